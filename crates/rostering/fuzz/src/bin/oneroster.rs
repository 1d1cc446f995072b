//! AFL++ wrapper of the `oneroster` target (see the library's docs).

fn main() {
    afl::fuzz!(|data: &[u8]| edugraph_rostering_fuzz::oneroster(data));
}
