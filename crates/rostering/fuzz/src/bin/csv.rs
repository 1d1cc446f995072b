//! AFL++ wrapper of the `csv` target (see the library's docs).

fn main() {
    afl::fuzz!(|data: &[u8]| edugraph_rostering_fuzz::csv(data));
}
