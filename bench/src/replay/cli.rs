//! `tessera-bench record`, `corpus-build` and `replay`: their arguments and what they
//! do, kept here so that the binary only dispatches.

use std::{
    fmt,
    future::Future,
    io::Write as _,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use tokio::net::TcpListener;

use super::{
    corpus::{self, BuildReport, Suite},
    error::ReplayError,
    proxy, server,
    subgraph::ReplaySubgraph,
    supergraph,
};
use crate::subgraphs::serve;

/// `record`: a recording proxy in front of a supergraph's subgraphs.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// The supergraph whose subgraphs are recorded (their real URLs in it).
    #[arg(long)]
    pub supergraph: PathBuf,
    /// The recordings directory (made; recordings are appended to its
    /// `recordings.jsonl`).
    #[arg(long)]
    pub out_dir: PathBuf,
    /// Where the proxy listens.
    #[arg(long, default_value = "127.0.0.1:4800")]
    pub listen: SocketAddr,
}

/// `corpus-build`: a corpus suite from recordings and a fuzzer corpus.
#[derive(Debug, clap::Args)]
pub struct CorpusBuildArgs {
    /// A recordings directory `record` wrote.
    #[arg(long)]
    pub recordings: PathBuf,
    /// The fuzzer's corpus (`fuzz --corpus`) for this supergraph.
    #[arg(long)]
    pub operations: Option<PathBuf>,
    /// The suite's directory, `bench/corpus/<suite>` (its `hand.jsonl` is kept).
    #[arg(long)]
    pub out: PathBuf,
}

/// `replay`: a suite's subgraphs served from its data.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The suite's directory, `bench/corpus/<suite>`.
    #[arg(long)]
    pub corpus_dir: PathBuf,
    /// Where the replay subgraphs listen (`/<name>` each).
    #[arg(long, default_value = "127.0.0.1:4801")]
    pub listen: SocketAddr,
}

/// Records until `shutdown`. Prints the path of the supergraph the router must run on.
pub async fn record(
    args: &RecordArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ReplayError> {
    let listener = bind(args.listen).await?;
    let listen = listener.local_addr().map_err(|e| ReplayError::Listen {
        addr: args.listen,
        source: e,
    })?;
    let prepared = proxy::prepare(&args.supergraph, &args.out_dir, listen).await?;
    let app = proxy::app(&prepared)?;
    say(&prepared.router_supergraph);
    eprintln!(
        "recording {} subgraphs on http://{listen}/<name> into {}",
        prepared.upstream.len(),
        prepared.recordings.display()
    );
    serve(listener, app, shutdown)
        .await
        .map_err(|e| ReplayError::Listen {
            addr: listen,
            source: e,
        })
}

/// Builds a suite; what was built.
pub fn corpus_build(args: &CorpusBuildArgs) -> Result<BuildReport, ReplayError> {
    corpus::build(&args.recordings, args.operations.as_deref(), &args.out)
}

/// Serves a suite's subgraphs until `shutdown`. Prints the path of a copy of the
/// suite's supergraph whose URLs point at them.
pub async fn replay(
    args: &ReplayArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ReplayError> {
    let suite = Suite::load(&args.corpus_dir)?;
    let subgraphs = ReplaySubgraph::all_of(&suite)?;
    let listener = bind(args.listen).await?;
    let running = server::start(listener, subgraphs).map_err(|e| ReplayError::Listen {
        addr: args.listen,
        source: e,
    })?;
    let urls = running.urls();
    let supergraph = supergraph::with_urls(&suite.supergraph, |name| {
        urls.iter()
            .find(|(n, _)| n == name)
            .map_or_else(|| supergraph::placeholder(name), |(_, url)| url.clone())
    })?;
    let dir = std::env::temp_dir().join(format!("tessera-replay-{}", args.listen.port()));
    std::fs::create_dir_all(&dir).map_err(|e| ReplayError::io(&dir, e))?;
    let path = dir.join("supergraph.graphql");
    std::fs::write(&path, supergraph).map_err(|e| ReplayError::io(&path, e))?;
    for (name, url) in &urls {
        eprintln!("{name:<12} {url}");
    }
    say(&path);
    shutdown.await;
    running.stop().await.map_err(|e| ReplayError::Listen {
        addr: args.listen,
        source: e,
    })
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, ReplayError> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| ReplayError::Listen { addr, source: e })
}

/// A path on stdout, for scripts.
fn say(path: &Path) {
    let _ = writeln!(std::io::stdout().lock(), "{}", path.display());
}

impl fmt::Display for BuildReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let skipped: Vec<String> = self
            .recordings
            .skipped
            .iter()
            .map(|(reason, n)| format!("{n} {reason}"))
            .collect();
        write!(
            f,
            "recordings: {} stored, {} left out{}; {} values not stored; {} entities\n\
             operations: {} with the reference's answer, {} set by hand, {} left out (ours and the reference differ)",
            self.recordings.recorded,
            self.recordings.skipped.values().sum::<usize>(),
            if skipped.is_empty() {
                String::new()
            } else {
                format!(" ({})", skipped.join(", "))
            },
            self.recordings.unstored,
            self.entities,
            self.reference,
            self.hand,
            self.left_out,
        )?;
        for example in &self.recordings.unstored_examples {
            write!(f, "\n  not stored: {example}")?;
        }
        write!(
            f,
            "\nself-check: {} recorded requests answered as recorded, {} otherwise",
            self.replayed_as_recorded,
            self.replayed_otherwise.len()
        )?;
        for example in self.replayed_otherwise.iter().take(5) {
            let cut = (0..=300.min(example.len()))
                .rev()
                .find(|&i| example.is_char_boundary(i))
                .unwrap_or(0);
            write!(f, "\n  otherwise: {}", &example[..cut])?;
        }
        Ok(())
    }
}
