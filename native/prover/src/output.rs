//! snarkjs's proof.json and public.json, byte for byte as `zkml-chain prove` writes them (Python's
//! `json.dumps(obj, indent=1)` plus a newline), and the write that puts both files in place or
//! neither.

use std::io::Write;
use std::path::{Path, PathBuf};

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;

/// A JSON value of nested string lists and string-valued objects: all these files hold.
enum Json {
    Str(String),
    List(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
}

impl Json {
    fn write(&self, out: &mut String, depth: usize) {
        let pad = |n: usize| " ".repeat(n);
        match self {
            Json::Str(s) => {
                out.push('"');
                out.push_str(s); // decimal digits and fixed ASCII names: nothing to escape
                out.push('"');
            }
            Json::List(items) if items.is_empty() => out.push_str("[]"),
            Json::List(items) => {
                out.push_str("[\n");
                for (i, v) in items.iter().enumerate() {
                    out.push_str(&pad(depth + 1));
                    v.write(out, depth + 1);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(depth));
                out.push(']');
            }
            Json::Object(fields) => {
                out.push_str("{\n");
                for (i, (k, v)) in fields.iter().enumerate() {
                    out.push_str(&format!("{}\"{k}\": ", pad(depth + 1)));
                    v.write(out, depth + 1);
                    out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(depth));
                out.push('}');
            }
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut s = String::new();
        self.write(&mut s, 0);
        s.push('\n');
        s.into_bytes()
    }
}

fn strs(v: &[&str]) -> Json {
    Json::List(v.iter().map(|s| Json::Str(s.to_string())).collect())
}

/// snarkjs's projective form: [x, y, "1"], infinity ["0", "1", "0"].
fn g1(p: &G1Affine) -> Json {
    if p.is_zero() {
        return strs(&["0", "1", "0"]);
    }
    strs(&[&p.x.to_string(), &p.y.to_string(), "1"])
}

/// [[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]], infinity [["0", "0"], ["1", "0"], ["0", "0"]].
fn g2(p: &G2Affine) -> Json {
    if p.is_zero() {
        return Json::List(vec![strs(&["0", "0"]), strs(&["1", "0"]), strs(&["0", "0"])]);
    }
    Json::List(vec![
        strs(&[&p.x.c0.to_string(), &p.x.c1.to_string()]),
        strs(&[&p.y.c0.to_string(), &p.y.c1.to_string()]),
        strs(&["1", "0"]),
    ])
}

pub(crate) fn proof_json(a: &G1Affine, b: &G2Affine, c: &G1Affine) -> Vec<u8> {
    Json::Object(vec![
        ("pi_a", g1(a)),
        ("pi_b", g2(b)),
        ("pi_c", g1(c)),
        ("protocol", Json::Str("groth16".into())),
        ("curve", Json::Str("bn128".into())),
    ])
    .bytes()
}

pub(crate) fn public_json(public: &[Fr]) -> Vec<u8> {
    Json::List(public.iter().map(|v| Json::Str(v.to_string())).collect()).bytes()
}

/// Write every file to a temporary sibling, then rename them all into place: either all appear or
/// none does (as `zkml_chain.files.write_all`).
pub(crate) fn write_all(files: &[(&PathBuf, Vec<u8>)]) -> Result<(), String> {
    // A folder in a file's place would fail its rename after the others were made: refuse first.
    if let Some((path, _)) = files.iter().find(|(p, _)| p.is_dir()) {
        return Err(format!("{}: is a folder, not a file", path.display()));
    }
    let mut staged: Vec<(PathBuf, &Path)> = Vec::new();
    let result = (|| {
        for (path, data) in files {
            let name = path.file_name().ok_or_else(|| format!("{}: not a file name", path.display()))?;
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create the folder: {e}", dir.display()))?;
            let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
            staged.push((tmp.clone(), path.as_path()));
            let mut f = std::fs::File::create(&tmp).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            f.write_all(data).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        }
        for (tmp, path) in &staged {
            std::fs::rename(tmp, path).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        }
        Ok(())
    })();
    if result.is_err() {
        for (tmp, _) in &staged {
            let _ = std::fs::remove_file(tmp);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;

    #[test]
    fn public_json_is_pythons_json_dumps_with_indent_one() {
        assert_eq!(public_json(&[]), b"[]\n");
        assert_eq!(public_json(&[Fr::from(1u64), -Fr::from(1u64)]), format!("[\n \"1\",\n \"{}\"\n]\n", -Fr::from(1u64)).into_bytes());
        assert!(String::from_utf8(public_json(&[-Fr::from(1u64)])).unwrap().contains("21888242871839275222246405745257275088548364400416034343698204186575808495616"));
    }

    #[test]
    fn proof_json_nests_and_writes_infinity_as_snarkjs() {
        let g = G1Affine::generator();
        let text = String::from_utf8(proof_json(&g, &G2Affine::identity(), &G1Affine::identity())).unwrap();
        let expect = "{\n \"pi_a\": [\n  \"1\",\n  \"2\",\n  \"1\"\n ],\n \"pi_b\": [\n  [\n   \"0\",\n   \"0\"\n  ],\n  [\n   \"1\",\n   \"0\"\n  ],\n  [\n   \"0\",\n   \"0\"\n  ]\n ],\n \"pi_c\": [\n  \"0\",\n  \"1\",\n  \"0\"\n ],\n \"protocol\": \"groth16\",\n \"curve\": \"bn128\"\n}\n";
        assert_eq!(text, expect);
        let h = (G2Affine::generator() * Fr::from(3u64)).into_affine();
        assert!(String::from_utf8(proof_json(&g, &h, &g)).unwrap().contains(&format!("\"{}\"", h.x.c1)));
    }

    #[test]
    fn write_all_puts_every_file_in_place_or_none() {
        let dir = std::env::temp_dir().join(format!("zkml-prove-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a.json"), dir.join("sub").join("b.json"));
        write_all(&[(&a, b"1".to_vec()), (&b, b"2".to_vec())]).unwrap();
        assert_eq!((std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap()), (b"1".to_vec(), b"2".to_vec()));
        // the second target is a folder: nothing is replaced, no temporary file stays
        let blocked = dir.join("blocked");
        std::fs::create_dir_all(blocked.join("x")).unwrap();
        assert!(write_all(&[(&a, b"3".to_vec()), (&blocked, b"4".to_vec())]).is_err());
        assert_eq!(std::fs::read(&a).unwrap(), b"1");
        assert!(std::fs::read_dir(&dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
