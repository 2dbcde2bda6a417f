//! `tessera`: the platform in one binary.
//!
//! - `tessera` / `tessera dev`: everything on this machine (embedded SQLite, demo data).
//! - `tessera serve <subgraph>`: one subgraph, as deployed.
//! - `tessera migrate [subgraph…]`: apply migrations (production runs this before deploys).
//! - `tessera compose [--check]`: write `schema/*.graphql` from the subgraphs' SDL.
//! - `tessera audit verify`: check the users subgraph's tamper-evident audit log.
//! - `tessera check [--update-baseline]`: the schema contract, locally (composition,
//!   breaking changes against `schema/api.graphql`, persisted operations).

use std::{io::Write as _, path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tessera::{
    check, compose,
    config::Config,
    platform::{self, SUBGRAPHS},
};
use tessera_kit::telemetry;
use tessera_serving::shutdown_on_signal;

/// Tessera: the GraphQL platform of a fitness and wellness app.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file (defaults to the built-in `tessera.toml`).
    #[arg(long, global = true, env = "TESSERA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the whole platform on this machine (the default).
    Dev,
    /// Start the router alone (subgraph URLs from the supergraph).
    Router,
    /// Start one subgraph.
    Serve {
        /// Its name, e.g. `users`.
        subgraph: String,
    },
    /// Apply pending database migrations.
    Migrate {
        /// Subgraphs to migrate (all when none is given).
        subgraphs: Vec<String>,
    },
    /// Write `schema/<subgraph>.graphql` and `schema/supergraph.graphql`.
    Compose {
        /// Write nothing; fail when a committed file differs from a fresh composition.
        #[arg(long)]
        check: bool,
        /// The workspace root holding `supergraph.yaml`.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Check the schema contract locally: composition up to date, no breaking change
    /// against `schema/api.graphql`, every persisted operation valid. Fails on any.
    Check {
        /// Accept the changes: rewrite `schema/api.graphql` from a fresh composition.
        #[arg(long)]
        update_baseline: bool,
        /// The workspace root holding `supergraph.yaml`.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Print a new router identity key pair (private PEM, public key).
    Keygen,
    /// The users subgraph's tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the whole log and its checkpoints (the users database and key-encryption
    /// keys of the configuration); exit 1 naming the first record edited, deleted or
    /// reordered.
    Verify,
}

/// mimalloc instead of glibc's malloc: the router allocates and frees many small JSON
/// nodes per request, and glibc's allocator was 29 % of its CPU under load (the figures
/// are in docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("tessera: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.command.unwrap_or(Command::Dev);
    match command {
        Command::Compose { check, root } => return compose_command(&root, check),
        Command::Check {
            update_baseline,
            root,
        } => return check_command(&root, update_baseline),
        Command::Keygen => {
            keygen()?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let config = Config::load(cli.config.as_deref())?;
    telemetry::init(&config.telemetry.log, config.telemetry.format);
    match command {
        Command::Dev => dev(&config).await?,
        Command::Router => {
            let (key, fresh) = config.identity.router_key()?;
            if fresh {
                tracing::warn!(
                    "identity.router_private_key_file is not set: signing subgraph identity tokens with a fresh key; Tessera subgraphs in other processes will refuse them (`tessera keygen` makes a key pair)"
                );
            }
            let mut prepared = vec![platform::prepare_router(&config, false, key).await?];
            prepared.extend(platform::prepare_metrics(&config).await?);
            platform::run(prepared, shutdown_on_signal()).await?;
        }
        Command::Serve { subgraph } => {
            let trust = config.identity.trust(None)?;
            let wiring = platform::events(&config, false)?;
            let prepared = platform::prepare(&config, &subgraph, trust, wiring.as_ref()).await?;
            platform::run(vec![prepared], shutdown_on_signal()).await?;
        }
        Command::Migrate { subgraphs } => {
            for (name, applied) in platform::migrate(&config, &subgraphs).await? {
                tracing::info!(subgraph = %name, applied, "migrations up to date");
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => return audit_verify(&config).await,
        Command::Compose { .. } | Command::Check { .. } | Command::Keygen => {
            unreachable!("handled above")
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `tessera audit verify`: a summary on stdout; every problem, the first named
/// first, on stderr.
async fn audit_verify(config: &Config) -> anyhow::Result<ExitCode> {
    let found = platform::audit_verify(config).await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "audit log: {} records (last {}), {} checkpoints verified{}",
        found.records,
        found.last,
        found.checkpoints,
        if found.unverifiable.is_empty() {
            String::new()
        } else {
            format!(
                ", {} under key-encryption keys no longer configured ({})",
                found.unverifiable.len(),
                found
                    .unverifiable
                    .iter()
                    .map(|(seq, kek)| format!("{seq}: {kek}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    )?;
    let Some(first) = found.problems.first() else {
        writeln!(out, "intact")?;
        return Ok(ExitCode::SUCCESS);
    };
    writeln!(out, "TAMPERED: {first}")?;
    for problem in &found.problems[1..] {
        eprintln!("also: {problem}");
    }
    Ok(ExitCode::FAILURE)
}

async fn dev(config: &Config) -> anyhow::Result<()> {
    let (key, _) = config.identity.router_key()?;
    let trust = config.identity.trust(Some(&key))?;
    let wiring = platform::events(config, true)?;
    let mut prepared = Vec::new();
    for name in SUBGRAPHS {
        prepared.push(platform::prepare(config, name, trust.clone(), wiring.as_ref()).await?);
    }
    if let Some(wiring) = &wiring {
        wiring.open();
    }
    let router = platform::prepare_router(config, true, key).await?;
    let router_addr = router.local_addr().context("reading a bound address")?;
    let mut banner = format!(
        "\nTessera is running: embedded SQLite under ./data/, demo data loaded.\n\n  router                  http://{router_addr}/graphql\n"
    );
    for subgraph in &prepared {
        let addr = subgraph.local_addr().context("reading a bound address")?;
        banner.push_str(&format!(
            "  {:<13} subgraph  http://{addr}/graphql   (health: http://{addr}/health/ready)\n",
            subgraph.name
        ));
    }
    let metrics = platform::prepare_metrics(config).await?;
    if let Some(metrics) = &metrics {
        let addr = metrics.local_addr().context("reading a bound address")?;
        banner.push_str(&format!(
            "  metrics (Prometheus)    http://{addr}/metrics\n"
        ));
    }
    banner.push_str(&format!(
        "\nTry:  curl -s http://{router_addr}/graphql -H 'content-type: application/json' \\\n\
         \x20       -d '{{\"query\":\"{{ userByHandle(handle: \\\"alex\\\") {{ handle displayName timezone roles }} }}\"}}'\n\n\
         Stop with Ctrl-C.\n",
    ));
    eprint!("{banner}");
    prepared.push(router);
    prepared.extend(metrics);
    platform::run(prepared, shutdown_on_signal()).await?;
    Ok(())
}

/// Prints a new router identity key pair: the private key (PEM) for the router's
/// `identity.router_private_key_file`, the public key for every subgraph's
/// `identity.router_public_key`.
fn keygen() -> anyhow::Result<()> {
    let key = tessera_identity::Ed25519Key::generate("router")?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "# the router's private key: save as the file `identity.router_private_key_file` names\n{}\n# every subgraph's `identity.router_public_key` (TESSERA_IDENTITY__ROUTER_PUBLIC_KEY):\n{}",
        key.to_pkcs8_pem().trim_end(),
        key.public_base64()
    )?;
    Ok(())
}

fn compose_command(root: &std::path::Path, check: bool) -> anyhow::Result<ExitCode> {
    let composition = compose::compose_workspace(root)?;
    if check {
        let stale = composition.stale_files(root);
        if stale.is_empty() {
            eprintln!("schema files are up to date");
            return Ok(ExitCode::SUCCESS);
        }
        for path in stale {
            eprintln!("stale: {} (run `cargo run -- compose`)", path.display());
        }
        return Ok(ExitCode::FAILURE);
    }
    composition
        .write(root)
        .context("writing the schema files")?;
    for (path, _) in &composition.files {
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn check_command(root: &std::path::Path, update_baseline: bool) -> anyhow::Result<ExitCode> {
    if update_baseline {
        let composition = compose::compose_workspace(root)?;
        let api = check::api_schema(composition.supergraph())?;
        let before = check::load_baseline(root).ok();
        let path = check::write_baseline(root, &api).context("writing the baseline")?;
        if let Some(before) = before {
            eprint!(
                "{}",
                check::report::changes_report(&check::diff(&before, &api))
            );
        }
        eprintln!("wrote {}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let report = check::run(root)?;
    // The report is the command's output: stdout, so it can be piped or saved.
    #[allow(clippy::print_stdout)]
    {
        print!("{report}");
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
