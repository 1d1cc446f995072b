//! AFL++ wrapper of the `sds_v1` target (see the library's docs).

fn main() {
    afl::fuzz!(|data: &[u8]| edugraph_rostering_fuzz::sds_v1(data));
}
