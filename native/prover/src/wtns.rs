//! circom's `.wtns` (iden3 binfile "wtns", version 2): section 1 = n8, the prime, the wire count;
//! section 2 = the wires, n8 bytes each, little-endian canonical. Returned as the packed 32-byte
//! values the prover takes (checked below r by the caller).

use std::path::Path;

use ark_ff::{BigInteger, PrimeField};

use crate::binfile::{u32_at, Sections};

pub(crate) fn read(path: &Path) -> Result<Vec<u8>, String> {
    let bad = |what: String| format!("{}: {what}", path.display());
    let data = std::fs::read(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let sections = Sections::parse(&data, "wtns", 2).map_err(bad)?;
    let section = |id: u32, name: &str| sections.get(&data, id, name).map_err(bad);
    let h = section(1, "header")?;
    if h.len() != 4 + 32 + 4 || u32_at(h, 0) != 32 {
        return Err(bad("the header is not BN254's (32-byte field elements)".into()));
    }
    if h[4..36] != ark_bn254::Fr::MODULUS.to_bytes_le()[..] {
        return Err(bad("the witness is for another field (its prime is not BN254's r)".into()));
    }
    let n = u32_at(h, 36);
    let values = section(2, "witness values")?;
    if values.len() != n * 32 {
        return Err(bad(format!("the header announces {n} values but the values section holds {} bytes", values.len())));
    }
    Ok(values.to_vec())
}
