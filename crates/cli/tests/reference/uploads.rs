//! The reference's upload flows, as a client of the reference and the
//! official uploader run them, and the uploads it refuses.

use std::io::Write;
use std::path::{Path, PathBuf};

use playtest_contract::recorder::{Auth, Recorder, put_file};
use serde_json::{Value, json};

const MAZE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/web/fixtures/maze");

/// The game loops of the build: a script per ending.
const SCRIPTS: [(&str, &str); 4] = [
    ("pass.sh", "#!/bin/sh\necho 'level 1 loaded'\nexit 0\n"),
    (
        "fail.sh",
        "#!/bin/sh\necho 'assertion failed: level 2' >&2\nexit 3\n",
    ),
    ("segv.sh", "#!/bin/sh\necho 'loading'\nkill -SEGV $$\n"),
    ("sleep.sh", "#!/bin/sh\necho 'waiting'\nexec sleep 600\n"),
];

/// The maze (index.html, game.js) and the game-loop scripts in one zip.
pub fn game_build(dir: &Path) -> PathBuf {
    let path = dir.join("game.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let plain = zip::write::SimpleFileOptions::default();
    for name in ["index.html", "game.js"] {
        zip.start_file(name, plain).unwrap();
        zip.write_all(&std::fs::read(Path::new(MAZE).join(name)).unwrap())
            .unwrap();
    }
    for (name, script) in SCRIPTS {
        zip.start_file(name, plain.unix_permissions(0o755)).unwrap();
        zip.write_all(script.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    path
}

/// The reference's single-part flow: initiate, PUT, complete.
pub fn upload_single_part(api: &Recorder, file: &Path) -> String {
    let size = std::fs::metadata(file).unwrap().len();
    let (status, started) = api.post(
        "/api/v1/builds/upload",
        &json!({"name": "maze and loops", "file_name": "game.zip", "file_size": size,
                "platform": "linux", "tags": ["reference"]}),
    );
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["upload_type"], "single-part", "{started}");
    put_file(started["upload_url"].as_str().unwrap(), file);
    let build_id = started["build_id"].as_str().unwrap();
    let (status, done) = api.post(
        "/api/v1/builds/upload/complete",
        &json!({"build_id": build_id, "object_key": started["object_key"]}),
    );
    assert_eq!(status, 200, "{done}");
    build_id.to_string()
}

/// The reference's multipart flow under the path the official uploader
/// uses: initiate, ask for the part URLs, PUT the parts, complete.
pub fn upload_in_parts_as_the_uploader_does(api: &Recorder, dir: &Path, project_id: &str) {
    let base = format!("/api/nexus/projects/{project_id}/builds/upload");
    let bytes: Vec<u8> = (0..2_621_440u32).map(|i| (i * 7 % 251) as u8).collect();
    let (status, started) = api.post(
        &base,
        &json!({"project_id": project_id, "name": "large", "file_name": "large.bin",
                "file_size": bytes.len(), "platform": "windows", "multipart": true}),
    );
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["total_parts"], 3, "{started}");
    let upload_id = started["upload_id"].as_str().unwrap();
    let object_key = started["object_key"].as_str().unwrap();
    let (status, urls) = api.get(&format!(
        "{base}/parts?upload_id={upload_id}&object_key={object_key}&part_numbers=1,2,3"
    ));
    assert_eq!(status, 200, "{urls}");
    let part_size = started["part_size"].as_u64().unwrap() as usize;
    let mut parts = Vec::new();
    for (index, url) in urls["upload_urls"].as_array().unwrap().iter().enumerate() {
        let chunk = dir.join(format!("part-{index}"));
        let end = ((index + 1) * part_size).min(bytes.len());
        std::fs::write(&chunk, &bytes[index * part_size..end]).unwrap();
        let etag = put_file(url["url"].as_str().unwrap(), &chunk);
        parts.push(json!({"part_number": url["part_number"], "etag": etag}));
    }
    let (status, done) = api.post(
        &format!("{base}/complete"),
        &json!({"build_id": started["build_id"], "upload_id": upload_id,
                "object_key": object_key, "parts": parts}),
    );
    assert_eq!(status, 200, "{done}");
}

/// Uploads refused, cancelled and unknown, with the reference's statuses.
pub fn refuse_bad_uploads(api: &Recorder, project_id: &str) {
    let initiate = |body: Value| api.post("/api/v1/builds/upload", &body);
    let (status, _) = initiate(json!({"name": "n", "file_name": "a.zip", "file_size": 0,
                                      "platform": "linux"}));
    assert_eq!(status, 400);
    let (status, body) = initiate(json!({"name": "huge", "file_name": "huge.zip",
                                         "file_size": 100u64 << 20, "platform": "linux"}));
    assert_eq!(status, 402, "{body}");
    let (status, _) = api.send_as(
        Auth::None,
        "POST",
        "/api/v1/builds/upload",
        Some(
            &json!({"project_id": project_id, "name": "n", "file_name": "a.zip",
                     "file_size": 10, "platform": "linux"}),
        ),
    );
    assert_eq!(status, 401);

    let (status, started) = initiate(json!({"name": "abandoned", "file_name": "a.zip",
                                            "file_size": 10, "platform": "linux"}));
    assert_eq!(status, 200, "{started}");
    let cancel = format!(
        "/api/v1/builds/upload?build_id={}&object_key={}",
        started["build_id"].as_str().unwrap(),
        started["object_key"].as_str().unwrap()
    );
    assert_eq!(api.delete(&cancel).0, 200);
    assert_eq!(api.delete(&cancel).0, 404);

    let (status, _) = api.get("/api/v1/builds/upload/parts?upload_id=u&object_key=k");
    assert_eq!(status, 400, "part_numbers is required");
    let (status, _) = api.post(
        "/api/v1/builds/upload/complete",
        &json!({"object_key": "k"}),
    );
    assert_eq!(status, 400);
    let (status, _) = api.post(
        "/api/v1/builds/upload/complete",
        &json!({"build_id": "bld_unknown", "object_key": "k"}),
    );
    assert_eq!(status, 404);
}
