//! Gzip with a pre-compressed prefix.
//!
//! The job metrics are compressed once per refresh; a scrape compresses only the small live
//! tail and splices it on. Deflate streams are sequences of blocks, so a prefix ended with a
//! sync flush (no final block) followed by an independent stream of the tail is one valid
//! deflate stream; the gzip trailer's CRC-32 is extended over the tail. The result is a single
//! gzip member that any decoder reads.

use std::io::Write;

use flate2::Compression;
use flate2::write::DeflateEncoder;

/// The fixed 10-byte gzip header: deflate, no name, no mtime, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// A compressed prefix, ready to have a tail appended.
#[derive(Debug, Default, Clone)]
pub struct GzipPrefix {
    deflate: Vec<u8>,
    crc: u32,
    len: u64,
}

impl GzipPrefix {
    pub fn new(prefix: &[u8]) -> Self {
        let mut enc =
            DeflateEncoder::new(Vec::with_capacity(prefix.len() / 5), Compression::new(6));
        enc.write_all(prefix).expect("writing to a Vec cannot fail");
        // A sync flush ends the stream on a byte boundary without a final block.
        enc.flush().expect("writing to a Vec cannot fail");
        let deflate = enc.get_ref().clone();
        let mut crc = crc32fast::Hasher::new();
        crc.update(prefix);
        GzipPrefix {
            deflate,
            crc: crc.finalize(),
            len: prefix.len() as u64,
        }
    }

    /// The gzip encoding of `prefix ++ tail`.
    pub fn finish(&self, tail: &[u8]) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(GZIP_HEADER.len() + self.deflate.len() + tail.len() / 3 + 64);
        out.extend_from_slice(&GZIP_HEADER);
        out.extend_from_slice(&self.deflate);
        let mut enc = DeflateEncoder::new(out, Compression::fast());
        enc.write_all(tail).expect("writing to a Vec cannot fail");
        let mut out = enc.finish().expect("writing to a Vec cannot fail");
        let mut crc = crc32fast::Hasher::new_with_initial_len(self.crc, self.len);
        crc.update(tail);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&((self.len + tail.len() as u64) as u32).to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(data: &[u8]) -> Vec<u8> {
        // A single-member decoder: the splice must be one member, not two.
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn prefix_and_tail_decode_as_one_member() {
        let prefix: Vec<u8> = (0..50_000)
            .flat_map(|i| format!("metric{{i=\"{i}\"}} {i}\n").into_bytes())
            .collect();
        let p = GzipPrefix::new(&prefix);
        for tail in [&b""[..], b"live 1\n# EOF\n"] {
            let mut want = prefix.clone();
            want.extend_from_slice(tail);
            assert_eq!(gunzip(&p.finish(tail)), want);
        }
    }

    #[test]
    fn empty_prefix() {
        assert_eq!(gunzip(&GzipPrefix::new(b"").finish(b"x 1\n")), b"x 1\n");
    }
}
