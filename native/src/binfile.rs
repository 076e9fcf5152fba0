//! The iden3 binary container of `.zkey`, `.wtns` (and `.r1cs`, `.ptau`): where each section's
//! payload lies. Pure Rust (the `zkml-prove` binary reads its `.wtns` with it too); the Python
//! twin is zkml_chain/binfile.py.

use crate::encoding::KResult;

/// Where each section's payload lies in the file.
pub(crate) struct Sections(pub(crate) Vec<(u32, usize, usize)>);

impl Sections {
    /// magic (4 bytes), u32 version, u32 count, then (u32 type, u64 size, payload)*.
    pub(crate) fn parse(b: &[u8], magic: &str, version: usize) -> KResult<Self> {
        if b.len() < 12 || &b[..4] != magic.as_bytes() {
            return Err(format!("not a .{magic} file (magic)"));
        }
        if u32_at(b, 4) != version {
            return Err(format!("version {} (a .{magic} file of version {version} is read)", u32_at(b, 4)));
        }
        let n = u32::from_le_bytes(b[8..12].try_into().unwrap());
        let mut pos = 12usize;
        let mut out = Vec::new();
        for i in 0..n {
            if pos + 12 > b.len() {
                return Err(format!("truncated: header of section {}/{n} is missing at byte {pos}", i + 1));
            }
            let id = u32::from_le_bytes(b[pos..pos + 4].try_into().unwrap());
            let size = u64::from_le_bytes(b[pos + 4..pos + 12].try_into().unwrap()) as usize;
            pos += 12;
            if size > b.len() - pos {
                return Err(format!("truncated: section {id} declares {size} bytes at byte {pos}"));
            }
            if out.iter().any(|(j, _, _)| *j == id) {
                return Err(format!("section {id} appears twice"));
            }
            out.push((id, pos, size));
            pos += size;
        }
        Ok(Self(out))
    }

    pub(crate) fn get<'a>(&self, b: &'a [u8], id: u32, name: &str) -> KResult<&'a [u8]> {
        self.0
            .iter()
            .find(|(j, _, _)| *j == id)
            .map(|(_, pos, size)| &b[*pos..*pos + *size])
            .ok_or_else(|| format!("missing section {id} ({name})"))
    }
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}
