//! `zkml-prove --model FOLDER --input INPUT.json`: a folder made by `zkml-chain compile` (and
//! `setup`) proved with no Python at all. The witness comes from the folder's witness program
//! (witness.bin, its SHA-256 checked against circuit.json), run by the extension's own
//! interpreter (src/witgen.rs); INPUT.json is read as `zkml-chain prove --input` reads it
//! (zkml_chain/onnx/sample.py and witness_program.py: the same names, the same quantization,
//! the same salt and claim values), and the --output file has the same content.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ark_bn254::Fr;
use ark_ff::PrimeField;
use num_bigint::{BigInt, BigUint};
use num_traits::FromPrimitive;
use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};

use crate::encoding::encode_fr;
use crate::witgen::{self, from_signed};

const FORMAT: &str = "zkml-chain circuit 3";
const PROGRAM: &str = "witness.bin";

/// A model's witness for one input, and the --output file's content.
pub(crate) struct ModelWitness {
    pub(crate) witness: Vec<u8>,
    pub(crate) output: Vec<u8>,
}

fn field<'a>(v: &'a Value, key: &str, what: &str) -> Result<&'a Value, String> {
    v.get(key).ok_or_else(|| format!("{what}: no {key:?}"))
}

fn text<'a>(v: &'a Value, key: &str, what: &str) -> Result<&'a str, String> {
    field(v, key, what)?.as_str().ok_or_else(|| format!("{what}: {key:?} is not a string"))
}

fn count(v: &Value, what: &str) -> Result<usize, String> {
    v.as_u64().map(|n| n as usize).ok_or_else(|| format!("{what} is not a non-negative integer"))
}

fn shape(v: &Value, what: &str) -> Result<Vec<usize>, String> {
    v.as_array().ok_or_else(|| format!("{what} is not a list"))?.iter().map(|d| count(d, what)).collect()
}

/// A number as the Python path reads it: a JSON number (not a boolean), as float64.
fn number(v: &Value) -> Option<f64> {
    v.as_number().and_then(Number::as_f64)
}

/// round(x · 2^scale), a float64 product rounded half to even (lower.quantize).
fn quantize(x: f64, scale: u32, what: &str) -> Result<Fr, String> {
    let v = (x * 2f64.powi(scale as i32)).round_ties_even();
    integral(v).ok_or_else(|| format!("{what}: a value is not finite once scaled by 2^{scale}"))
}

/// An integral float64 as a field element (negative as r - |v|), exactly; None when not finite.
fn integral(v: f64) -> Option<Fr> {
    BigInt::from_f64(v).map(|i| from_signed(&i))
}

/// An attested record's element as `attested_values` (zkml_chain/attested.py) reads it: an
/// integer literal in [-2^63, 2^63), or a float literal that is exactly an integer of at most 2^53.
fn attested_value(v: &Value) -> Option<Fr> {
    let literal = v.as_number()?.to_string(); // the literal as written (arbitrary_precision)
    if !literal.contains(['.', 'e', 'E']) {
        let k: i64 = literal.parse().ok()?; // exactly the signed 64-bit range
        return Some(Fr::from(k));
    }
    let x: f64 = literal.parse().ok()?;
    if x.fract() == 0.0 && x.abs() <= 2f64.powi(53) {
        integral(x)
    } else {
        None
    }
}

/// A nested list of numbers, flattened in row-major order (rectangular, as numpy reads it).
fn flatten(v: &Value, out: &mut Vec<Value>, what: &str) -> Result<Option<usize>, String> {
    match v {
        Value::Array(items) => {
            let mut inner = None;
            for item in items {
                let len = flatten(item, out, what)?;
                if inner.is_some() && inner != Some(len) {
                    return Err(format!("{what}: a ragged list (its rows differ in shape)"));
                }
                inner = Some(len);
            }
            Ok(Some(items.len()))
        }
        Value::Number(_) => {
            out.push(v.clone());
            Ok(None)
        }
        _ => Err(format!("{what}: expected (nested lists of) numbers, found {v}")),
    }
}

/// Python's `int(s, 0)` for the forms an address, a chain id or a nonce takes: decimal (no
/// leading zeros), 0x/0o/0b with optional single underscores between digits.
fn parse_int(s: &str) -> Option<BigUint> {
    let s = s.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    let (digits, radix) = match s.get(..2).map(|p| p.to_ascii_lowercase()) {
        Some(p) if p == "0x" => (&s[2..], 16),
        Some(p) if p == "0o" => (&s[2..], 8),
        Some(p) if p == "0b" => (&s[2..], 2),
        _ => (s, 10),
    };
    let digits = digits.strip_prefix('_').filter(|_| radix != 10).unwrap_or(digits);
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    if radix == 10 && digits.len() > 1 && digits.starts_with('0') && digits.chars().any(|c| c != '0' && c != '_') {
        return None;
    }
    BigUint::parse_bytes(digits.replace('_', "").as_bytes(), radix)
}

/// A JSON integer literal that is non-negative (Python's int in INPUT.json), as a big integer.
fn natural(n: &Number) -> Option<BigUint> {
    let literal = n.to_string(); // as written (arbitrary_precision)
    (!literal.is_empty() && literal.bytes().all(|b| b.is_ascii_digit())).then(|| BigUint::parse_bytes(literal.as_bytes(), 10)).flatten()
}

fn below_r(v: &BigUint) -> Option<Fr> {
    (*v < BigUint::from(Fr::MODULUS)).then(|| Fr::from(v.clone()))
}

/// The model's witness for INPUT.json at `input`, by the program in `folder`.
pub(crate) fn witness(folder: &Path, input: &Path) -> Result<ModelWitness, String> {
    let info_path = folder.join("circuit.json");
    let where_ = info_path.display().to_string();
    let raw = std::fs::read(&info_path).map_err(|e| format!("{where_}: cannot read ({e}): is {} a folder made by `zkml-chain compile`?", folder.display()))?;
    let info: Value = serde_json::from_slice(&raw).map_err(|e| format!("{where_}: not JSON ({e})"))?;
    let format = text(&info, "format", &where_)?;
    if format != FORMAT {
        return Err(format!("{where_}: format {format:?}; this prover reads {FORMAT:?} (prove with `zkml-chain prove {} --input ...`)", folder.display()));
    }
    if info.get("witness_program_sha256").is_none() {
        return Err(format!("{}: no witness program (compiled by an older zkml-chain, or a model whose gadgets have none): prove with `zkml-chain prove {} --input ...`, or recompile", folder.display(), folder.display()));
    }
    let digests = digests(&info, &where_)?;
    for (name, _) in &digests {
        if !folder.join(name).is_file() {
            return Err(format!("{}: {name} is missing (it is part of the compiled folder)", folder.display()));
        }
    }
    let program_path = folder.join(PROGRAM);
    let program = std::fs::read(&program_path).map_err(|e| format!("{}: cannot read ({e})", program_path.display()))?;
    // The folder's files are checked against circuit.json's digests, as `zkml-chain prove` checks
    // them (zkml_chain/onnx/folder.py), on the other core while this one reads the input and runs
    // the program (the interpreter refuses malformed programs, so running one unchecked is safe);
    // their verdict comes first.
    std::thread::scope(|scope| {
        let hashing = scope.spawn(|| -> Result<(), String> {
            for (name, digest) in &digests {
                let path = folder.join(name);
                let actual = if name == PROGRAM { hex(&Sha256::digest(&program)) } else { file_digest(&path)? };
                if actual != *digest {
                    return Err(format!("{} changed since it was compiled (its SHA-256 differs from circuit.json's): recompile the model with `zkml-chain compile`", path.display()));
                }
            }
            Ok(())
        });
        let computed = compute(&info, &where_, &program, folder, input);
        hashing.join().unwrap_or_else(|e| std::panic::resume_unwind(e))?;
        let (witness, warning) = computed?;
        if let Some(w) = warning {
            eprintln!("warning: {w}");
        }
        Ok(witness)
    })
}

/// The files circuit.json records a SHA-256 for, in the order `zkml-chain prove` checks them: the
/// model, circuit.r1cs, graph.npz (when compiled with it) and the witness program.
fn digests(info: &Value, where_: &str) -> Result<Vec<(String, String)>, String> {
    let model = text(info, "model", where_)?;
    if model.is_empty() || Path::new(model).file_name().and_then(|n| n.to_str()) != Some(model) {
        return Err(format!("{where_}: malformed circuit.json (model must be a file name in the folder); recompile the model"));
    }
    let mut out = Vec::new();
    for (name, key) in [(model, "model_sha256"), ("circuit.r1cs", "r1cs_sha256"), ("graph.npz", "graph_sha256"), (PROGRAM, "witness_program_sha256")] {
        match info.get(key) {
            None if key == "graph_sha256" => {}
            Some(Value::String(d)) => out.push((name.to_string(), d.clone())),
            _ => return Err(format!("{where_}: malformed circuit.json ({key} is not a string); recompile the model")),
        }
    }
    Ok(out)
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file's SHA-256 (hex), read in a stream.
fn file_digest(path: &Path) -> Result<String, String> {
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(path).map_err(|e| format!("{}: cannot read ({e})", path.display()))?;
    std::io::copy(&mut file, &mut hasher).map_err(|e| format!("{}: cannot read ({e})", path.display()))?;
    Ok(hex(&hasher.finalize()))
}

/// INPUT.json read and the program run: the witness and a warning to print (a random salt).
fn compute(info: &Value, where_: &str, program: &[u8], folder: &Path, input: &Path) -> Result<(ModelWitness, Option<String>), String> {
    let mut warning = None;
    let vis = field(info, "visibility", where_)?;
    let input_vis = text(vis, "input", where_)?;
    let attested = input_vis == "attested";
    let needs_salt = attested || input_vis == "hashed" || text(vis, "output", where_)? == "hashed";
    let scale = field(field(info, "quantization", where_)?, "scale_bits", where_)?.as_u64().filter(|s| (1..=24).contains(s)).ok_or_else(|| format!("{where_}: quantization.scale_bits is not an integer in 1..24"))? as u32;
    let inputs = field(info, "inputs", where_)?.as_object().ok_or_else(|| format!("{where_}: inputs is not an object"))?;
    let widths = field(field(info, "quantization", where_)?, "widths", where_)?;
    if let Some(name) = inputs.keys().find(|n| widths.get(format!("input:{n}")).is_none()) {
        return Err(format!("{where_}: malformed circuit.json (no calibrated width for input {name:?}); recompile the model"));
    }
    let outputs = field(info, "outputs", where_)?.as_object().ok_or_else(|| format!("{where_}: outputs is not an object"))?;
    let mut out_shapes = Vec::new();
    for (name, o) in outputs {
        let s = shape(field(o, "shape", where_)?, &format!("{where_}: output {name:?}'s shape"))?;
        let sc = field(o, "scale_bits", where_)?.as_u64().ok_or_else(|| format!("{where_}: output {name:?}'s scale is not an integer"))? as u32;
        out_shapes.push((name.clone(), s, sc));
    }
    let claim = info.get("claim").cloned().unwrap_or(Value::Null);

    let data = std::fs::read(input).map_err(|e| format!("{}: cannot read ({e})", input.display()))?;
    let obj: Value = serde_json::from_slice(&data).map_err(|e| format!("{}: not JSON ({e})", input.display()))?;
    let obj = obj.as_object().ok_or_else(|| format!("{}: expected a JSON object {{\"<input name>\": ...}}", input.display()))?;
    let names: Vec<&String> = inputs.keys().collect();
    if let Some(missing) = names.iter().find(|n| !obj.contains_key(n.as_str())) {
        let all: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        return Err(format!("{}: missing input {missing:?} (the model's inputs: {})", input.display(), all.join(", ")));
    }
    let mut values: HashMap<String, Vec<Fr>> = HashMap::new();
    for (name, s) in inputs {
        let what = format!("input {name:?}");
        let s = shape(s, &format!("{where_}: {what}'s shape"))?;
        let mut flat = Vec::new();
        flatten(&obj[name], &mut flat, &what)?;
        let n: usize = s.iter().product();
        if flat.len() != n {
            return Err(format!("{what}: expected shape {s:?} ({n} numbers), got {}", flat.len()));
        }
        let mut fs = Vec::with_capacity(n);
        for (i, v) in flat.iter().enumerate() {
            let x = number(v).ok_or_else(|| format!("{what}: element {i} is not a number"))?;
            if attested {
                fs.push(attested_value(v).ok_or_else(|| {
                    format!("{what}: element {i} = {v}: an attested record holds signed 64-bit integers (floats only when exactly integral and at most 2^53)")
                })?);
            } else {
                if !x.is_finite() {
                    return Err(format!("{what}: contains NaN or infinity"));
                }
                fs.push(quantize(x, scale, &what)?);
            }
        }
        values.insert(name.clone(), fs);
    }
    let salt = if needs_salt {
        let salt = match obj.get("salt") {
            None | Some(Value::Null) => {
                warning = Some(format!("no \"salt\" in {}: using a random one (saved in the output file)", input.display()));
                BigUint::from(crate::random_fr("a salt")?.into_bigint())
            }
            Some(v) => {
                let parsed = match v {
                    Value::Number(n) => natural(n),
                    Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => BigUint::parse_bytes(s.as_bytes(), 10),
                    _ => None,
                };
                parsed
                    .filter(|s| *s < BigUint::from(Fr::MODULUS))
                    .ok_or_else(|| format!("{}: salt must be a decimal integer below r", input.display()))?
            }
        };
        values.insert("salt".into(), vec![Fr::from(salt.clone())]);
        Some(salt)
    } else {
        None
    };
    if let Some(threshold) = claim.get("threshold").and_then(Value::as_str) {
        let t = obj.get("threshold").and_then(number).ok_or_else(|| {
            format!("{}: \"threshold\" must be a number (the claimed lower bound on {threshold})", input.display())
        })?;
        let out = threshold.rsplit_once(':').map(|(o, _)| o).unwrap_or(threshold);
        let sc = out_shapes.iter().find(|(n, _, _)| n == out).map(|(_, _, s)| *s).ok_or_else(|| format!("{where_}: the claim names no output"))?;
        values.insert("threshold".into(), vec![quantize(t, sc, "threshold")?]);
    }
    for name in claim.get("context").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        let v = obj.get(name);
        let parsed = match v {
            Some(Value::Number(n)) => natural(n),
            Some(Value::String(s)) => parse_int(s),
            _ => None,
        };
        let value = parsed.as_ref().and_then(below_r).ok_or_else(|| {
            format!("{}: {name:?} must be an integer in [0, r) (decimal or 0x-hex), got {}", input.display(), v.map(Value::to_string).unwrap_or("None".into()))
        })?;
        values.insert(name.to_string(), vec![value]);
    }

    let run = witgen::run(program, &values).map_err(|e| {
        let e = e.strip_prefix("witness: ").unwrap_or(&e).to_string();
        format!("{}: no witness for this input: {e} (`zkml-chain prove {} --input {}` says it in the model's terms)", input.display(), folder.display(), input.display())
    })?;
    Ok((ModelWitness { witness: encode_fr(&run.witness), output: output_json(&run.taps, &out_shapes, salt.as_ref())? }, warning))
}

/// The --output file, as `zkml-chain prove` writes it (json.dumps, indent 1): each output
/// dequantized, then "raw" (the integers as strings), "scale_bits", and "salt" when there is one.
fn output_json(taps: &[(String, Vec<Fr>)], shapes: &[(String, Vec<usize>, u32)], salt: Option<&BigUint>) -> Result<Vec<u8>, String> {
    let mut top = Map::new();
    let mut raw = Map::new();
    let mut scales = Map::new();
    for ((name, vals), (sname, s, scale)) in taps.iter().zip(shapes) {
        if name != sname || vals.len() != s.iter().product::<usize>() {
            return Err(format!("the witness program's outputs do not match circuit.json's ({name} vs {sname})"));
        }
        let ints: Vec<String> = vals.iter().map(|v| witgen::signed(v).to_string()).collect();
        // float(q) / 2^scale as Python computes it: the integer correctly rounded, then divided
        let as_float = |q: &String| {
            let f = q.parse::<f64>().unwrap_or(f64::INFINITY) / 2f64.powi(*scale as i32);
            Value::Number(Number::from_f64(f).unwrap_or_else(|| Number::from(0)))
        };
        let as_text = |q: &String| Value::String(q.clone());
        top.insert(name.clone(), nest(&ints.iter().map(as_float).collect::<Vec<_>>(), s));
        raw.insert(name.clone(), nest(&ints.iter().map(as_text).collect::<Vec<_>>(), s));
        scales.insert(name.clone(), Value::from(*scale));
    }
    let mut out = String::from("{\n");
    let mut entries: Vec<(String, Value)> = top.into_iter().collect();
    entries.push(("raw".into(), Value::Object(raw)));
    entries.push(("scale_bits".into(), Value::Object(scales)));
    if let Some(s) = salt {
        entries.push(("salt".into(), Value::String(s.to_string())));
    }
    for (i, (k, v)) in entries.iter().enumerate() {
        out.push_str(&format!(" {}: {}{}\n", Value::String(k.clone()), pretty(v, 1), if i + 1 < entries.len() { "," } else { "" }));
    }
    out.push_str("}\n");
    Ok(out.into_bytes())
}

/// `flat` (row-major) as nested lists of `shape`.
fn nest(flat: &[Value], shape: &[usize]) -> Value {
    match shape.split_first() {
        None => flat.first().cloned().unwrap_or(Value::Null),
        Some((&n, rest)) => {
            let step = flat.len().checked_div(n).unwrap_or(0);
            Value::Array((0..n).map(|i| nest(&flat[i * step..(i + 1) * step], rest)).collect())
        }
    }
}

/// JSON with Python's `indent=1` layout (keys in insertion order: serde_json's map keeps them
/// sorted, so objects are laid out here).
fn pretty(v: &Value, depth: usize) -> String {
    let pad = " ".repeat(depth + 1);
    let close = " ".repeat(depth);
    match v {
        Value::Array(items) if !items.is_empty() => {
            let inner: Vec<String> = items.iter().map(|x| format!("{pad}{}", pretty(x, depth + 1))).collect();
            format!("[\n{}\n{close}]", inner.join(",\n"))
        }
        Value::Object(m) if !m.is_empty() => {
            let inner: Vec<String> = m.iter().map(|(k, x)| format!("{pad}{}: {}", Value::String(k.clone()), pretty(x, depth + 1))).collect();
            format!("{{\n{}\n{close}}}", inner.join(",\n"))
        }
        other => other.to_string(),
    }
}

/// The paths of `--model` mode.
pub(crate) struct ModelArgs {
    pub(crate) folder: PathBuf,
    pub(crate) input: PathBuf,
    pub(crate) output: Option<PathBuf>,
}
