//! `zkml-prove`: zkml-chain's Groth16 prover without the Python interpreter.
//!
//!     zkml-prove [--threads N] circuit.zkey witness.wtns proof.json public.json
//!
//! rapidsnark's `prover` arguments, so a circom pipeline swaps one binary for the other. It runs
//! what `zkml-chain prove --wtns` runs — the same modules, compiled here without Python (the key
//! mapped in place, h and the five MSMs in one pass) — and, like it, verifies the proof before
//! writing anything: a witness that breaks a constraint, or a corrupt key, gives no proof (exit 2;
//! `zkml-chain prove` names the broken constraint or the bad point). What it saves is the
//! interpreter's start-up and imports, ~0.1–0.2 s per proof.
//!
//! Exit codes as `zkml-chain`: 0 written, 2 bad input (one line on stderr), 3 internal error.

#[path = "../../src/binfile.rs"]
mod binfile;
#[allow(dead_code)]
#[path = "../../src/encoding.rs"]
mod encoding;
#[path = "../../src/fq2.rs"]
mod fq2;
#[allow(dead_code)]
#[path = "../../src/glv.rs"]
mod glv;
#[path = "../../src/ifma.rs"]
mod ifma;
#[allow(dead_code)]
#[path = "../../src/inversion.rs"]
mod inversion;
#[allow(dead_code)]
#[path = "../../src/pippenger.rs"]
mod pippenger;
#[path = "../../src/schedule.rs"]
mod schedule;
#[allow(dead_code)]
#[path = "../../src/witgen.rs"]
mod witgen;
#[allow(dead_code)]
#[path = "../../src/zkey.rs"]
mod zkey;

mod model;
mod output;
mod wtns;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, PrimeField, Zero};

use encoding::{G1_BYTES, G2_BYTES};
use model::ModelArgs;
use zkey::{g1_mont, g1_ok, g2_mont, g2_ok, Zkey};

const USAGE: &str = "usage: zkml-prove [--threads N] <circuit.zkey> <witness.wtns> <proof.json> <public.json>
       zkml-prove [--threads N] --model FOLDER --input INPUT.json --proof proof.json --public public.json [--output output.json]";
/// The circuit-hash prefix of a zkml-chain development key (zkml_chain/ceremony/marks.py).
const DEV_TAG: &[u8; 32] = b"zkml-chain dev key: tau is known";

/// Why the command failed: bad input (exit 2) or a usage error (exit 2, with the usage line).
enum Failure {
    Input(String),
    Usage(String),
}

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure::Input(s)
    }
}

struct Args {
    threads: Option<usize>,
    zkey: PathBuf,
    wtns: Option<PathBuf>,      // circom's witness file, or
    model: Option<ModelArgs>,  // a compiled model's folder and INPUT.json
    proof: PathBuf,
    public: PathBuf,
}

fn parse_args(argv: &[String]) -> Result<Option<Args>, Failure> {
    let mut threads = std::env::var("ZKML_CHAIN_THREADS").ok().filter(|v| !v.is_empty()).map(|v| (v, "ZKML_CHAIN_THREADS"));
    let mut files = Vec::new();
    let (mut model, mut input, mut output, mut proof, mut public) = (None, None, None, None, None);
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => return Ok(None),
            "-V" | "--version" => {
                println!("zkml-prove {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            "--threads" => {
                let v = it.next().ok_or_else(|| Failure::Usage("--threads needs a value".into()))?;
                threads = Some((v.clone(), "--threads"));
            }
            s if s.starts_with("--threads=") => threads = Some((s["--threads=".len()..].to_string(), "--threads")),
            "--model" | "--input" | "--output" | "--proof" | "--public" => {
                let v = it.next().ok_or_else(|| Failure::Usage(format!("{a} needs a value")))?;
                let slot = match a.as_str() {
                    "--model" => &mut model,
                    "--input" => &mut input,
                    "--output" => &mut output,
                    "--proof" => &mut proof,
                    _ => &mut public,
                };
                *slot = Some(PathBuf::from(v));
            }
            s if s.starts_with('-') && s.len() > 1 => return Err(Failure::Usage(format!("unknown option {s}"))),
            _ => files.push(PathBuf::from(a)),
        }
    }
    let threads = match threads {
        None => None,
        Some((v, from)) => match v.parse::<usize>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(Failure::Usage(format!("{from} must be a positive integer, got {v:?}"))),
        },
    };
    if let Some(folder) = model {
        if !files.is_empty() {
            return Err(Failure::Usage("--model takes no positional paths".into()));
        }
        let need = |v: Option<PathBuf>, name: &str| v.ok_or_else(|| Failure::Usage(format!("--model needs {name}")));
        let input = need(input, "--input")?;
        let (proof, public) = (need(proof, "--proof")?, need(public, "--public")?);
        let zkey = folder.join("circuit.zkey");
        return Ok(Some(Args { threads, zkey, wtns: None, model: Some(ModelArgs { folder, input, output }), proof, public }));
    }
    if input.is_some() || output.is_some() || proof.is_some() || public.is_some() {
        return Err(Failure::Usage("--input, --output, --proof and --public go with --model".into()));
    }
    let [zkey, wtns, proof, public]: [PathBuf; 4] =
        files.try_into().map_err(|f: Vec<PathBuf>| Failure::Usage(format!("expected 4 paths, got {}", f.len())))?;
    Ok(Some(Args { threads, zkey, wtns: Some(wtns), model: None, proof, public }))
}

/// The verifying key's points from the zkey's header (section 2) and IC (section 3), checked: on
/// their curve and in their group (a key's few fixed points; the queries are checked by the proof's
/// own verification).
struct Header {
    alpha1: G1Affine,
    beta1: G1Affine,
    beta2: G2Affine,
    gamma2: G2Affine,
    delta1: G1Affine,
    delta2: G2Affine,
    ic: Vec<G1Affine>,
}

fn header(key: &Zkey, path: &Path) -> Result<Header, String> {
    let bad = |what: &str| format!("{}: {what}", path.display());
    let (_, protocol) = key.section(1).ok_or_else(|| bad("missing section 1 (protocol)"))?;
    if protocol.len() < 4 || protocol[..4] != 1u32.to_le_bytes() {
        return Err(bad("not a Groth16 key (protocol id is not 1)"));
    }
    let (_, h) = key.section(2).ok_or_else(|| bad("missing section 2 (header)"))?;
    // n8q, q, n8r, r, nVars, nPublic, domainSize (checked on opening), then the six points
    let at = 4 + 32 + 4 + 32 + 12;
    if h.len() != at + 3 * G1_BYTES + 3 * G2_BYTES {
        return Err(bad("section 2 (header) has the wrong size for BN254"));
    }
    if h[4..36] != ark_bn254::Fq::MODULUS.to_bytes_le()[..] || h[40..72] != Fr::MODULUS.to_bytes_le()[..] {
        return Err(bad("the key is not for BN254 (q or r differs)"));
    }
    // BN254's G1 is the whole curve; G2 points must also lie in the prime-order subgroup.
    let g1 = |o: usize, what: &str| -> Result<G1Affine, String> {
        let b = &h[o..o + G1_BYTES];
        g1_ok(b).then(|| g1_mont(b)).ok_or_else(|| bad(&format!("{what} is not a valid G1 point")))
    };
    let g2 = |o: usize, what: &str| -> Result<G2Affine, String> {
        let b = &h[o..o + G2_BYTES];
        let p = g2_mont(b);
        (g2_ok(b) && (p.is_zero() || p.is_in_correct_subgroup_assuming_on_curve()))
            .then_some(p)
            .ok_or_else(|| bad(&format!("{what} is not a valid G2 point")))
    };
    let alpha1 = g1(at, "alpha1")?;
    let beta1 = g1(at + G1_BYTES, "beta1")?;
    let beta2 = g2(at + 2 * G1_BYTES, "beta2")?;
    let gamma2 = g2(at + 2 * G1_BYTES + G2_BYTES, "gamma2")?;
    let delta1 = g1(at + 2 * G1_BYTES + 2 * G2_BYTES, "delta1")?;
    let delta2 = g2(at + 3 * G1_BYTES + 2 * G2_BYTES, "delta2")?;
    let (_, ic_bytes) = key.section(3).ok_or_else(|| bad("missing section 3 (IC)"))?;
    if ic_bytes.len() != (key.n_public() + 1) * G1_BYTES {
        return Err(bad(&format!("section 3 (IC) holds {} bytes, expected {} points", ic_bytes.len(), key.n_public() + 1)));
    }
    let mut ic = Vec::with_capacity(key.n_public() + 1);
    for (i, c) in ic_bytes.chunks_exact(G1_BYTES).enumerate() {
        if !g1_ok(c) {
            return Err(bad(&format!("IC[{i}] is not a valid G1 point")));
        }
        ic.push(g1_mont(c));
    }
    Ok(Header { alpha1, beta1, beta2, gamma2, delta1, delta2, ic })
}

/// A uniformly random scalar from the operating system for `purpose` (64 bytes reduced mod r: bias 2^-250).
fn random_fr(purpose: &str) -> Result<Fr, String> {
    let mut bytes = [0u8; 64];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom for {purpose}: {e}"))?;
    Ok(Fr::from_le_bytes_mod_order(&bytes))
}

fn run(args: &Args) -> Result<(), Failure> {
    let t0 = Instant::now();
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new().num_threads(n).build_global().map_err(|e| format!("cannot start {n} threads: {e}"))?;
    }
    // The key is opened and its header checked on another core while this one computes the witness.
    let ((witness, output, source), opened) = std::thread::scope(|scope| -> Result<_, Failure> {
        let opening = scope.spawn(|| -> Result<(Zkey, Header), Failure> {
            if !args.zkey.is_file() {
                return Err(match &args.model {
                    Some(m) => format!("{} has no circuit.zkey: run `zkml-chain setup {}` first", m.folder.display(), m.folder.display()),
                    None => format!("{}: no such file (a snarkjs Groth16 .zkey is expected)", args.zkey.display()),
                }
                .into());
            }
            let key = Zkey::open(&args.zkey.to_string_lossy()).map_err(|e| format!("{}: {e}", args.zkey.display()))?;
            let hdr = header(&key, &args.zkey)?;
            Ok((key, hdr))
        });
        let witness = match (&args.wtns, &args.model) {
            (Some(wtns), _) => wtns::read(wtns).map(|w| (w, None, wtns.display().to_string())),
            (None, Some(m)) => model::witness(&m.folder, &m.input)
                .map(|w| (w.witness, m.output.clone().map(|o| (o, w.output)), m.input.display().to_string())),
            (None, None) => unreachable!("parse_args gives a witness source"),
        };
        let opened = opening.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        Ok((witness?, opened))
    })?;
    let (key, hdr) = opened?;
    let values = key.witness(&witness).map_err(|e| format!("{source}: {e}"))?; // count, and each below r
    if values[0] != Fr::from(1u64).into_bigint() {
        return Err(format!("{source}: wire 0 must be the constant 1").into());
    }
    let sums = key.proof_sums(&witness)?;
    let (r, s) = (random_fr("the proof's randomness")?, random_fr("the proof's randomness")?);
    let a = hdr.alpha1 + sums.a + hdr.delta1 * r;
    let b = hdr.beta2 + sums.b2 + hdr.delta2 * s;
    let b1 = hdr.beta1 + sums.b1 + hdr.delta1 * s;
    let c = sums.c + sums.h + a * s + b1 * r - hdr.delta1 * (r * s);
    let (a, b, c) = (a.into_affine(), b.into_affine(), c.into_affine());

    // The proof is checked before anything is written, as `zkml-chain prove` does.
    let public: Vec<Fr> = values[1..=key.n_public()].iter().map(|v| Fr::from_bigint(*v).expect("checked below r")).collect();
    let vk_x = hdr.ic[0] + G1Projective::msm(&hdr.ic[1..], &public).map_err(|_| "IC and public signals differ in length".to_string())?;
    let ok = b.is_in_correct_subgroup_assuming_on_curve()
        && Bn254::multi_pairing([(-a.into_group()).into_affine(), hdr.alpha1, vk_x.into_affine(), c], [b, hdr.beta2, hdr.gamma2, hdr.delta2])
            .is_zero();
    if !ok {
        let again = match &args.model {
            Some(m) => format!("--input {}", m.input.display()),
            None => format!("--wtns {source}"),
        };
        return Err(format!(
            "the proof does not verify: the witness does not satisfy the circuit, or the key is corrupt \
             (`zkml-chain prove {} {again}` names the broken constraint or the bad point); nothing was written",
            args.zkey.parent().unwrap_or(Path::new(".")).display(),
        )
        .into());
    }
    let mut files = vec![(&args.proof, output::proof_json(&a, &b, &c)), (&args.public, output::public_json(&public))];
    if let Some((path, content)) = &output {
        files.push((path, content.clone()));
    }
    output::write_all(&files)?;
    if key.section(10).is_some_and(|(_, cs)| cs.len() >= 32 && &cs[..32] == DEV_TAG) {
        eprintln!("note: proved with a development key");
    }
    println!(
        "prove: {} wires, {} public signals -> {}, {} ({:.2}s)",
        key.n_vars(),
        key.n_public(),
        args.proof.display(),
        args.public.display(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    std::panic::set_hook(Box::new(|_| {})); // reported below, in one line
    let outcome = std::panic::catch_unwind(|| match parse_args(&argv) {
        Ok(None) => {
            if argv.iter().any(|a| a == "-h" || a == "--help") {
                println!(
                    "{USAGE}\n\nProves with a snarkjs Groth16 .zkey and a circom .wtns, or a folder made by `zkml-chain compile` \
                     and `setup` and its INPUT.json (the witness from the folder's witness program, no Python); writes \
                     snarkjs's proof.json and public.json (and with --output, the model's outputs as `zkml-chain prove` does)."
                );
            }
            Ok(())
        }
        Ok(Some(args)) => run(&args),
        Err(f) => Err(f),
    });
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(Failure::Input(msg))) => {
            eprintln!("zkml-prove: error: {msg}");
            ExitCode::from(2)
        }
        Ok(Err(Failure::Usage(msg))) => {
            eprintln!("zkml-prove: error: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(payload) => {
            let msg = payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned());
            eprintln!("zkml-prove: internal error (a bug in zkml-chain): {}", msg.unwrap_or_else(|| "(no message)".into()));
            ExitCode::from(3)
        }
    }
}
