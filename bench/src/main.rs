//! `tessera-bench`: serve the benchmark subgraphs, load a router, tabulate rounds.
//! `bench/run.sh` strings these together; `docs/benchmarks.md` shows the commands.

use std::{
    io::Write as _,
    net::{IpAddr, Ipv4Addr},
    path::{Path, PathBuf},
    process::ExitCode,
    time::Duration,
};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use serde_json::Value;
use tessera_bench::{
    duration,
    fuzz::{self, FuzzOptions, Model, Targets},
    load::{self, LoadOptions, Report, RequestSpec},
    replay::cli::{self as replay_cli, CorpusBuildArgs, RecordArgs, ReplayArgs},
    subgraphs, table,
};

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Tessera's load harness: benchmark subgraphs, load generator, tables"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve accounts, inventory, products and reviews (in that order from --port on).
    Subgraphs {
        /// Address to listen on.
        #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
        host: IpAddr,
        /// The first port; the others follow.
        #[arg(long, default_value_t = subgraphs::DEFAULT_PORT)]
        port: u16,
    },
    /// Load a GraphQL endpoint with a fixed number of keep-alive connections.
    Load(Box<LoadArgs>),
    /// Medians of `load --json` reports per label, side by side.
    Table {
        /// The router the others are compared with.
        #[arg(long)]
        baseline: Option<String>,
        /// Report files (one JSON report each).
        #[arg(required = true)]
        reports: Vec<PathBuf>,
    },
    /// Send random valid operations to two routers serving the same supergraph and
    /// report every difference, classed, with a minimal case per class.
    Fuzz(Box<FuzzArgs>),
    /// Record a supergraph's subgraphs: a proxy the router sends to (prints the
    /// supergraph to run the router on).
    Record(RecordArgs),
    /// Build a replay corpus suite from recordings and a fuzzer corpus.
    CorpusBuild(CorpusBuildArgs),
    /// Serve a corpus suite's subgraphs from its recorded data.
    Replay(ReplayArgs),
    /// Events from commit to handled: throughput and latency through the outbox, the
    /// relay and the bus (PostgreSQL and Redis Streams from DATABASE_URL and REDIS_URL;
    /// without them SQLite and the in-process bus).
    Events {
        /// Events per second committed; 0: as fast as possible.
        #[arg(long, default_value_t = 1000)]
        rate: u32,
        /// How long the producer runs.
        #[arg(long, default_value = "20s", value_parser = duration::parse)]
        duration: Duration,
        /// Consumer replicas in the group (and relays).
        #[arg(long, default_value_t = 2)]
        replicas: usize,
        /// Producer tasks committing in parallel.
        #[arg(long, default_value_t = 4)]
        producers: usize,
    },
}

#[derive(Debug, clap::Args)]
struct FuzzArgs {
    /// The supergraph both routers serve (the operations follow its API schema).
    #[arg(long, required_unless_present = "schema", conflicts_with = "schema")]
    supergraph: Option<PathBuf>,
    /// The API schema (SDL) itself, instead of a supergraph.
    #[arg(long)]
    schema: Option<PathBuf>,
    /// Our router's GraphQL endpoint.
    #[arg(long)]
    ours: String,
    /// The reference router's GraphQL endpoint.
    #[arg(long)]
    reference: String,
    /// A third router's GraphQL endpoint, asked where the two differ: its `data` sides
    /// with one of them, or with neither (the report's tie-break verdicts).
    #[arg(long)]
    tiebreak: Option<String>,
    /// The seed: the same seed against the same routers sends the same operations.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Operations to send (invalid ones generated are not counted).
    #[arg(long, default_value_t = 1000)]
    count: usize,
    /// Operations in flight at once, each to both routers.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Fields at most this deep.
    #[arg(long, default_value_t = 4)]
    max_depth: usize,
    /// Write the markdown report here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Write every operation sent, with both answers, here (JSON lines).
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// The run's name in operation ids (`<suite>-<seed>-<n>`); by default the schema
    /// file's name (its folder's for a file named `supergraph.graphql`).
    #[arg(long)]
    suite: Option<String>,
    /// Re-sends allowed to minimize each class.
    #[arg(long, default_value_t = 200)]
    minimize_budget: usize,
    /// A request unanswered after this counts as a difference of status.
    #[arg(long, default_value = "30s", value_parser = duration::parse)]
    timeout: Duration,
}

#[derive(Debug, clap::Args)]
struct LoadArgs {
    /// The GraphQL endpoint (plain http).
    #[arg(long)]
    url: String,
    /// A file with the operation to send.
    #[arg(
        long,
        required_unless_present = "body_file",
        conflicts_with = "body_file"
    )]
    query: Option<PathBuf>,
    /// Variables, as JSON.
    #[arg(long, requires = "query")]
    variables: Option<String>,
    /// The operation's name.
    #[arg(long, requires = "query")]
    operation_name: Option<String>,
    /// Another operation file sent beside `--query` on its share of the connections
    /// (repeatable: a query mix); held to no expected answer, only to no errors.
    #[arg(long, requires = "query")]
    mix: Vec<PathBuf>,
    /// A file with the whole request body (any JSON: persisted-query extensions,
    /// batches…); with --get, a JSON object whose members become query parameters.
    #[arg(long)]
    body_file: Option<PathBuf>,
    /// Send GET requests with the request in the query string.
    #[arg(long)]
    get: bool,
    /// An extra header, `name: value` (repeatable).
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// Connections, each with one request in flight.
    #[arg(long, short = 'c', default_value_t = 32)]
    concurrency: usize,
    /// The measured window (20s, 500ms, 1m).
    #[arg(long, short = 'd', default_value = "20s", value_parser = duration::parse)]
    duration: Duration,
    /// Unmeasured time before it.
    #[arg(long, default_value = "5s", value_parser = duration::parse)]
    warmup: Duration,
    /// A request unanswered after this counts as a timeout.
    #[arg(long, default_value = "10s", value_parser = duration::parse)]
    timeout: Duration,
    /// A JSON file the first answer must equal; later answers must then equal it byte
    /// for byte.
    #[arg(long)]
    expect: Option<PathBuf>,
    /// Write the first answer's body to this file.
    #[arg(long)]
    save_response: Option<PathBuf>,
    /// A name for the report (which router).
    #[arg(long)]
    label: Option<String>,
    /// Threads of the load generator (it shares the machine with what it loads).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Print the report as one line of JSON on stdout (the human line goes to stderr).
    #[arg(long)]
    json: bool,
    /// The process under load (the router): its peak resident memory goes in the
    /// report (read from /proc at the end of the run).
    #[arg(long)]
    pid: Option<u32>,
    /// Requests per second over all connections, evenly paced (an open loop); unset:
    /// each connection sends again as soon as it is answered.
    #[arg(long)]
    rate: Option<f64>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("tessera-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Subgraphs { host, port } => {
            runtime(None)?.block_on(serve_subgraphs(host, port))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Load(args) => {
            let threads = args.threads;
            runtime(Some(threads))?.block_on(load(*args))
        }
        Command::Table { baseline, reports } => {
            let reports = reports
                .iter()
                .map(|path| read_report(path))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let text = table::render(&reports, baseline.as_deref())?;
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Fuzz(args) => runtime(None)?.block_on(fuzz(*args)),
        Command::Record(args) => {
            runtime(None)?.block_on(replay_cli::record(&args, shutdown_signal()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::CorpusBuild(args) => {
            let report = replay_cli::corpus_build(&args)?;
            writeln!(std::io::stdout().lock(), "{report}")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay(args) => {
            runtime(None)?.block_on(replay_cli::replay(&args, shutdown_signal()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Events {
            rate,
            duration,
            replicas,
            producers,
        } => {
            let options = tessera_bench::events::EventsOptions {
                rate,
                duration,
                replicas,
                producers,
            };
            let report = runtime(None)?.block_on(tessera_bench::events::run(&options))?;
            writeln!(
                std::io::stdout().lock(),
                "{}",
                serde_json::to_string(&report)?
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn fuzz(args: FuzzArgs) -> anyhow::Result<ExitCode> {
    let (path, model) = match (&args.supergraph, &args.schema) {
        (Some(path), _) => {
            let supergraph = tessera_router::Supergraph::parse(&read(path)?)
                .with_context(|| format!("{} is not a usable supergraph", path.display()))?;
            (path, Model::new(supergraph.api)?)
        }
        (None, Some(path)) => (path, Model::parse(&read(path)?)?),
        (None, None) => bail!("--supergraph or --schema is required"),
    };
    let suite = args.suite.clone().unwrap_or_else(|| suite_name(path));
    let targets = Targets::new(
        args.ours.clone(),
        args.reference.clone(),
        args.timeout,
        args.concurrency,
    )?
    .with_tiebreak(args.tiebreak.clone());
    let options = FuzzOptions {
        suite: suite.clone(),
        seed: args.seed,
        count: args.count,
        concurrency: args.concurrency,
        max_depth: args.max_depth,
        minimize_budget: args.minimize_budget,
        report: args.report,
        corpus: args.corpus,
    };
    let outcome = fuzz::run(&model, &targets, &options).await?;
    writeln!(std::io::stdout().lock(), "{}", outcome.summary(&suite))?;
    // Differences are what the run is for, not a failure: the report is the product.
    Ok(ExitCode::SUCCESS)
}

fn suite_name(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("fuzz");
    match path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str())
    {
        Some(folder) if stem == "supergraph" && !folder.is_empty() => folder.to_owned(),
        _ => stem.to_owned(),
    }
}

fn runtime(threads: Option<usize>) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = match threads {
        Some(1) => tokio::runtime::Builder::new_current_thread(),
        Some(n) => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(n.max(1));
            builder
        }
        None => tokio::runtime::Builder::new_multi_thread(),
    };
    Ok(builder.enable_all().build()?)
}

async fn serve_subgraphs(host: IpAddr, first_port: u16) -> anyhow::Result<()> {
    let running = subgraphs::start(host, first_port).await?;
    for (name, url) in running.urls() {
        eprintln!("{name:<9} {url}");
    }
    shutdown_signal().await;
    running.stop().await?;
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("installing a SIGTERM handler only fails outside a runtime");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

async fn load(args: LoadArgs) -> anyhow::Result<ExitCode> {
    let mut spec = request_of(&args)?;
    for header in &args.headers {
        spec = spec.with_header(header)?;
    }
    let expect = args
        .expect
        .as_deref()
        .map(|path| -> anyhow::Result<Value> {
            let text = read(path)?;
            serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
        })
        .transpose()?;
    let options = LoadOptions {
        concurrency: args.concurrency,
        warmup: args.warmup,
        duration: args.duration,
        request_timeout: args.timeout,
        expect,
        label: args.label.clone(),
        rate: args.rate,
        mix: args
            .mix
            .iter()
            .map(|path| -> anyhow::Result<RequestSpec> {
                let body = load::graphql_body(&read(path)?, None, None);
                let mut spec = RequestSpec::post(
                    &args.url,
                    serde_json::to_vec(&body).context("a JSON object serializes")?,
                )?;
                for header in &args.headers {
                    spec = spec.with_header(header)?;
                }
                Ok(spec)
            })
            .collect::<anyhow::Result<_>>()?,
        ..LoadOptions::new(spec)
    };
    let run = load::run(&options).await?;
    if let Some(path) = &args.save_response {
        let body = run
            .first_body
            .as_deref()
            .context("no first answer to save: the first request failed")?;
        std::fs::write(path, body).with_context(|| format!("writing {}", path.display()))?;
    }
    let mut report = run.report;
    if let Some(pid) = args.pid {
        match load::peak_rss_kb(pid) {
            Ok(kb) => report.peak_rss_kb = Some(kb),
            Err(err) => eprintln!("tessera-bench: the peak RSS of process {pid}: {err}"),
        }
    }
    let mut stdout = std::io::stdout().lock();
    if args.json {
        eprintln!("{report}");
        serde_json::to_writer(&mut stdout, &report)?;
        writeln!(stdout)?;
    } else {
        writeln!(stdout, "{report}")?;
    }
    // A run with errors measured something other than the operation: say so in the
    // exit status, so scripts do not tabulate it silently.
    Ok(if report.errors.total() > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn request_of(args: &LoadArgs) -> anyhow::Result<RequestSpec> {
    if let Some(path) = &args.body_file {
        let text = read(path)?;
        if args.get {
            let value: Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", path.display()))?;
            let Value::Object(params) = value else {
                bail!("with --get, {} must hold a JSON object", path.display());
            };
            return Ok(RequestSpec::get(&args.url, &params)?);
        }
        return Ok(RequestSpec::post(&args.url, text)?);
    }
    let Some(path) = &args.query else {
        bail!("--query or --body-file is required");
    };
    let query = read(path)?;
    let variables = args
        .variables
        .as_deref()
        .map(serde_json::from_str::<Value>)
        .transpose()
        .context("--variables is not JSON")?;
    let body = load::graphql_body(&query, variables, args.operation_name.as_deref());
    if args.get {
        Ok(RequestSpec::get(&args.url, &body)?)
    } else {
        Ok(RequestSpec::post(
            &args.url,
            serde_json::to_vec(&body).context("a JSON object serializes")?,
        )?)
    }
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn read_report(path: &Path) -> anyhow::Result<Report> {
    let text = read(path)?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a load report", path.display()))
}
