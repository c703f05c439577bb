use playtest_store::testing::{Backend, fresh};
use playtest_store::{PageRequest, RunFilter};
use playtest_types::RunStateFilter;
use std::time::Instant;

async fn bench(backend: Backend) {
    let (store, db) = fresh(backend).await;
    let p = store.ensure_project("prj_b", "b").await.unwrap().id;
    let t0 = Instant::now();
    let ts = "'2025-03-01T12:00:00.000000Z'";
    db.execute(&format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) \
      INSERT INTO jobs (id, project_id, status, created_at, updated_at) SELECT 'job' || i, '{p}', CASE WHEN i % 1000 = 0 THEN 'RUNNING' ELSE 'COMPLETED' END, {ts}, {ts} FROM n")).await;
    db.execute(&format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) \
      INSERT INTO runs (id, job_id, project_id, test_id, test_name, test_type, test_spec, deployment_config_id, platform, state, outcome, bug_count, tags, initiator, options, created_at) \
      SELECT 'run' || i, 'job' || i, '{p}', 'tst', 'walk', 'verification', '{{}}', 'dcf', 'web', CASE WHEN i % 1000 = 0 THEN 'running' ELSE 'completed' END, CASE WHEN i % 1000 = 0 THEN NULL ELSE 'success' END, CASE WHEN i % 500 = 0 THEN 1 ELSE 0 END, '[\"a\"]', '{{\"type\": \"api_key\", \"value\": {{}}}}', '{{}}', {ts} FROM n")).await;
    db.execute("INSERT INTO run_tags (run_id, tag) SELECT id, 'a' FROM runs")
        .await;
    db.execute(
        "INSERT INTO run_tags (run_id, tag) SELECT id, 'rare' FROM runs WHERE seq % 2000 = 0",
    )
    .await;
    db.execute("INSERT INTO run_players (id, run_id, player_number, test_name, state, step_count, platform_kind, device) SELECT 'pl' || id, id, 0, 'p', 'completed', 3, 'web', 'chromium' FROM runs").await;
    if backend == Backend::Postgres {
        db.execute("ANALYZE").await;
    } else {
        db.execute("ANALYZE").await;
    }
    println!("{backend:?}: seeded in {:?}", t0.elapsed());
    let cases: Vec<(&str, RunFilter, i64)> = vec![
        ("all p0", RunFilter::default(), 0),
        ("all p500", RunFilter::default(), 500),
        (
            "running",
            RunFilter {
                state: RunStateFilter::Running,
                ..Default::default()
            },
            0,
        ),
        (
            "completed",
            RunFilter {
                state: RunStateFilter::Completed,
                ..Default::default()
            },
            0,
        ),
        (
            "tag a",
            RunFilter {
                tags: vec!["a".into()],
                ..Default::default()
            },
            0,
        ),
        (
            "tag rare",
            RunFilter {
                tags: vec!["rare".into()],
                ..Default::default()
            },
            0,
        ),
        (
            "tags a+rare",
            RunFilter {
                tags: vec!["a".into(), "rare".into()],
                ..Default::default()
            },
            0,
        ),
        (
            "bugs",
            RunFilter {
                with_bugs: true,
                ..Default::default()
            },
            0,
        ),
        (
            "job",
            RunFilter {
                job_id: Some("job777".into()),
                ..Default::default()
            },
            0,
        ),
    ];
    for (name, filter, pg) in cases {
        let mut best = f64::MAX;
        let mut total = 0;
        let mut n = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let page = store
                .list_runs(
                    &p,
                    &filter,
                    PageRequest {
                        page: pg,
                        page_size: 100,
                    },
                )
                .await
                .unwrap();
            best = best.min(t.elapsed().as_secs_f64() * 1000.0);
            total = page.total;
            n = page.items.len();
        }
        println!("{backend:?} {name:12} total={total:6} items={n:3} best={best:.1}ms");
    }
    let t = Instant::now();
    store.run_details(&p, "run777").await.unwrap();
    println!("{backend:?} details {:?}", t.elapsed());
}

#[tokio::test(flavor = "multi_thread")]
async fn bench_sqlite() {
    bench(Backend::Sqlite).await
}
#[tokio::test(flavor = "multi_thread")]
async fn bench_postgres() {
    bench(Backend::Postgres).await
}
