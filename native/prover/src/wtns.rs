//! circom's `.wtns` (iden3 binfile "wtns", version 2): section 1 = n8, the prime, the wire count;
//! section 2 = the wires, n8 bytes each, little-endian canonical. Returned as the packed 32-byte
//! values the prover takes (checked below r by the caller).

use std::path::Path;

use ark_ff::{BigInteger, PrimeField};

pub(crate) fn read(path: &Path) -> Result<Vec<u8>, String> {
    let bad = |what: String| format!("{}: {what}", path.display());
    let data = std::fs::read(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    if data.len() < 12 || &data[..4] != b"wtns" {
        return Err(bad("not a .wtns file (magic)".into()));
    }
    let u32_at = |o: usize| u32::from_le_bytes(data[o..o + 4].try_into().unwrap()) as usize;
    if u32_at(4) != 2 {
        return Err(bad(format!("version {} (circom's .wtns version 2 is read)", u32_at(4))));
    }
    let mut sections: Vec<(usize, usize, usize)> = Vec::new();
    let mut pos = 12;
    for i in 0..u32_at(8) {
        if pos + 12 > data.len() {
            return Err(bad(format!("truncated: header of section {}/{} is missing at byte {pos}", i + 1, u32_at(8))));
        }
        let id = u32_at(pos);
        let size = u64::from_le_bytes(data[pos + 4..pos + 12].try_into().unwrap()) as usize;
        pos += 12;
        if size > data.len() - pos {
            return Err(bad(format!("truncated: section {id} declares {size} bytes at byte {pos}")));
        }
        sections.push((id, pos, size));
        pos += size;
    }
    let section = |id: usize, name: &str| {
        sections.iter().find(|s| s.0 == id).map(|&(_, p, n)| &data[p..p + n]).ok_or_else(|| bad(format!("missing section {id} ({name})")))
    };
    let h = section(1, "header")?;
    if h.len() != 4 + 32 + 4 || u32_at_slice(h, 0) != 32 {
        return Err(bad("the header is not BN254's (32-byte field elements)".into()));
    }
    if h[4..36] != ark_bn254::Fr::MODULUS.to_bytes_le()[..] {
        return Err(bad("the witness is for another field (its prime is not BN254's r)".into()));
    }
    let n = u32_at_slice(h, 36);
    let values = section(2, "witness values")?;
    if values.len() != n * 32 {
        return Err(bad(format!("the header announces {n} values but the values section holds {} bytes", values.len())));
    }
    Ok(values.to_vec())
}

fn u32_at_slice(b: &[u8], o: usize) -> usize {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap()) as usize
}
