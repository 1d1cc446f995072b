//! `edugraph import DIR`: a folder of roster CSV files into a tenant, through the sync
//! engine (`edugraph_edu::sync`), and `edugraph demo --csv DIR`, which writes a synthetic
//! district to import. Progress goes to standard error, the plan or result table to
//! standard output, and every diagnostic to `<DIR>/edugraph-import-errors.csv`.
//! docs/import.md describes the behaviour.

use std::future::Future;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use edugraph_edu::sync::{self, Plan, Skipped, SyncOptions};
use edugraph_rostering::{Diagnostic, Format, Parsed, Size};
use edugraph_store::{Store, TenantRecord};

use super::StoreArgs;

/// The diagnostics file written into the imported folder.
pub const ERRORS_FILE: &str = "edugraph-import-errors.csv";

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Folder of roster CSV files
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// File layout: sds-v1, sds-v2, sds-v2.1, oneroster-1.1 or oneroster-1.2 [default: detected]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Show the plan and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Tenant id or domain (default: the store's only tenant)
    #[arg(long)]
    pub tenant: Option<String>,
    /// Domain of new users whose username has none, one of the tenant's verified domains [default: the tenant's primary domain]
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// Hold the import when it would deactivate or unlink more than PCT percent of the users or of any kind of link
    #[arg(long, value_name = "PCT")]
    pub max_deactivations: Option<f64>,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Write a synthetic district as roster CSV files into DIR (created if missing)
    #[arg(long, value_name = "DIR")]
    pub csv: PathBuf,
    /// small (3 schools, 102 users), medium (8 schools, 4,240 users) or district (239
    /// schools, 65,400 users)
    #[arg(long, value_name = "SIZE", default_value = "small", value_parser = parse_size)]
    pub size: Size,
    /// File layout: sds-v1, sds-v2.1 or oneroster-1.2
    #[arg(long, value_name = "FORMAT", default_value = "sds-v1", value_parser = parse_demo_format)]
    pub format: Format,
    /// Seed: the same seed writes byte-identical files
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
}

fn parse_size(s: &str) -> Result<Size, String> {
    match s.to_ascii_lowercase().as_str() {
        "small" => Ok(Size::Small),
        "medium" => Ok(Size::Medium),
        "district" => Ok(Size::District),
        _ => Err(format!(
            "unknown size '{s}' (expected 'small', 'medium' or 'district')"
        )),
    }
}

fn parse_demo_format(s: &str) -> Result<Format, String> {
    match s.parse::<Format>() {
        Ok(f @ (Format::SdsV1 | Format::SdsV21 | Format::OneRoster12)) => Ok(f),
        _ => Err(format!(
            "'{s}' cannot be generated (expected sds-v1, sds-v2.1 or oneroster-1.2)"
        )),
    }
}

/// `edugraph demo --csv DIR`.
pub fn demo(args: &DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.csv)
        .with_context(|| format!("cannot create {}", args.csv.display()))?;
    let started = Instant::now();
    let s = edugraph_rostering::generate(&args.csv, args.format, args.size, args.seed)
        .with_context(|| format!("cannot write the files into {}", args.csv.display()))?;
    println!(
        "wrote {} ({}) into {} in {:.1} s: {} schools, {} teachers, {} students, {} sections, {} enrollments",
        args.format,
        match args.size {
            Size::Small => "small",
            Size::Medium => "medium",
            Size::District => "district",
        },
        args.csv.display(),
        started.elapsed().as_secs_f64(),
        s.schools,
        s.teachers,
        s.students,
        s.sections,
        s.enrollments
    );
    Ok(())
}

/// The domain of new users' principal names: `--domain` when the tenant has verified it
/// (a principal name may use no other, as on the Graph surface), else the primary one.
/// Checked before the files are read, so a typo costs nothing.
async fn user_domain(
    store: &dyn Store,
    tenant: &TenantRecord,
    requested: Option<&str>,
) -> anyhow::Result<String> {
    let Some(requested) = requested else {
        return Ok(tenant.domain.clone());
    };
    let verified = store.tenant_domains(&tenant.id).await?;
    match verified.iter().find(|d| d.eq_ignore_ascii_case(requested.trim())) {
        Some(domain) => Ok(domain.clone()),
        None => bail!(
            "--domain {requested} is not a verified domain of tenant {} (verified: {}); add it first with `edugraph tenant domain add {requested} --tenant {}`",
            tenant.id,
            verified.join(", "),
            tenant.id
        ),
    }
}

/// `edugraph import DIR`.
pub async fn import(args: &ImportArgs) -> anyhow::Result<()> {
    let env = |k: &str| std::env::var(k).ok();
    let config = args.store.resolve(&env)?;
    // Held to the end: a server started meanwhile on the folder is refused, and a running
    // server refuses us, so nothing is written behind its document cache.
    let _lock = crate::startup::lock_data_dir_or(&config, |dir| {
        format!(
            "the data folder {} is in use by a running edugraph server; import writes entities the server caches, so stop the server, import, and start it again",
            dir.display()
        )
    })?;
    if config.uses_data_dir() && !config.database_file().exists() {
        bail!(
            "no database at {}: create a tenant first (`edugraph tenant create`) or start `edugraph serve` once",
            config.database_file().display()
        );
    }
    let store = crate::startup::open_store(&config).await?;
    let tenant = crate::admin::tenants::resolve(store.as_ref(), args.tenant.as_deref()).await?;

    let user_domain = user_domain(store.as_ref(), &tenant, args.domain.as_deref()).await?;

    let parsed = read(&args.dir, args.format).await?;
    let summary = parsed.summary();

    let opts = SyncOptions {
        user_domain: Some(user_domain),
        max_deactivation_percent: args.max_deactivations,
        student_domain: None,
        teacher_domain: None,
        match_only: false,
        customize: Default::default(),
        // Files with errors dropped rows; in a snapshot a dropped row reads as "gone", so
        // such a set is only ever planned, never applied.
        dry_run: args.dry_run || parsed.has_errors(),
    };
    let plan = phase(
        "planning",
        sync::plan(store.as_ref(), &tenant.id, &parsed.roster, &opts),
    )
    .await?;
    print_plan(&plan);
    let errors_file = args.dir.join(ERRORS_FILE);
    write_report(&errors_file, &parsed.diagnostics, &plan.skipped)
        .with_context(|| format!("cannot write {}", errors_file.display()))?;
    eprintln!(
        "{} errors, {} warnings, {} records not synced: listed in {}",
        summary.errors,
        summary.warnings,
        plan.skipped.len(),
        errors_file.display()
    );
    let has_errors = parsed.has_errors();
    // The plan holds everything the apply needs: the roster goes before it runs, so the
    // two never count together in the peak memory.
    drop(parsed);
    if has_errors {
        bail!(
            "the files have {} error{} (listed in {}); nothing was imported",
            summary.errors,
            if summary.errors == 1 { "" } else { "s" },
            errors_file.display()
        );
    }
    if let Some(reason) = &plan.held {
        bail!(
            "import held, nothing written: {reason}; check the files, or raise --max-deactivations"
        );
    }
    if plan.dry_run {
        println!("dry run: nothing was written");
        return Ok(());
    }
    let applied = phase("applying", sync::apply(store.as_ref(), &tenant.id, &plan)).await?;
    println!(
        "imported into {} ({}): {} created, {} updated, {} deactivated, {} links added, {} removed, in {} transaction{}",
        tenant.domain,
        tenant.id,
        applied.created,
        applied.updated,
        applied.deactivated,
        applied.linked,
        applied.unlinked,
        applied.transactions,
        if applied.transactions == 1 { "" } else { "s" }
    );
    Ok(())
}

/// Reads the folder on a blocking thread, with a progress line, then one line per file.
async fn read(dir: &Path, format: Option<Format>) -> anyhow::Result<Parsed> {
    // The previous run's report is not a roster file; left there it would be read as one.
    match std::fs::remove_file(dir.join(ERRORS_FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("cannot replace {ERRORS_FILE}"))
        }
        _ => {}
    }
    let rows = rows_per_file(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let total: usize = rows.iter().map(|(_, n)| n).sum();
    let owned = dir.to_path_buf();
    let started = Instant::now();
    let task = tokio::task::spawn_blocking(move || edugraph_rostering::read_dir(&owned, format));
    let parsed = phase(&format!("reading {total} rows"), async {
        task.await.context("the reader stopped")
    })
    .await??;
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    for (file, n) in &rows {
        eprintln!("  {file:<28} {n:>9} rows");
    }
    eprintln!(
        "read {} ({} files, {total} rows) in {secs:.2} s, {:.0} rows/s",
        parsed.format,
        rows.len(),
        total as f64 / secs
    );
    Ok(parsed)
}

/// Data rows of each CSV file of the folder, counted as the reader counts them, each file
/// streamed (never held whole).
fn rows_per_file(dir: &Path) -> std::io::Result<Vec<(String, usize)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if !path.is_file() || !name.to_ascii_lowercase().ends_with(".csv") {
            continue;
        }
        let rows = edugraph_rostering::count_rows(&path)?;
        out.push((name, usize::try_from(rows).unwrap_or(usize::MAX)));
    }
    out.sort();
    Ok(out)
}

/// Runs `work`, redrawing `name… N s` on standard error until it ends (on a terminal
/// only: in a log file the redraws would be noise), then prints how long it took.
async fn phase<T>(name: &str, work: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let live = std::io::stderr().is_terminal();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tokio::pin!(work);
    let out = loop {
        tokio::select! {
            out = &mut work => break out,
            _ = tick.tick(), if live => {
                eprint!("\r{name}… {:.1} s", started.elapsed().as_secs_f64());
                let _ = std::io::stderr().flush();
            }
        }
    };
    let clear = if live { "\r" } else { "" };
    eprintln!("{clear}{name}: {:.2} s   ", started.elapsed().as_secs_f64());
    out
}

/// The plan as a table, its samples, and the records left out.
fn print_plan(plan: &Plan) {
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>18} {:>10}",
        "", "existing", "create", "update", "deactivate/unlink", "unchanged"
    );
    for row in plan.rows() {
        println!(
            "{:<16} {:>9} {:>9} {:>9} {:>18} {:>10}",
            row.name, row.existing, row.create, row.update, row.remove, row.unchanged
        );
        for s in &row.samples {
            println!("    {s}");
        }
    }
    if !plan.skipped.is_empty() {
        println!("{} records not synced:", plan.skipped.len());
        for s in plan.skipped.iter().take(10) {
            println!("    {} {}: {}", s.kind.type_name(), s.external_id, s.reason);
        }
    }
}

/// One CSV row per diagnostic (file, line, column, severity, code, message), then one
/// warning `not-synced` per record the plan left out.
fn write_report(
    path: &Path,
    diagnostics: &[Diagnostic],
    skipped: &[Skipped],
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "file,line,column,severity,code,message")?;
    for d in diagnostics {
        writeln!(
            out,
            "{},{},{},{},{},{}",
            quote(&d.file),
            d.line,
            quote(d.column.as_deref().unwrap_or("")),
            d.severity,
            d.code,
            quote(&d.message)
        )?;
    }
    for s in skipped {
        let message = format!(
            "{} {} not synced: {}",
            s.kind.type_name(),
            s.external_id,
            s.reason
        );
        writeln!(
            out,
            "{},{},,warning,not-synced,{}",
            quote(&s.file),
            s.line,
            quote(&message)
        )?;
    }
    out.flush()
}

/// RFC 4180 quoting, only where needed.
fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
