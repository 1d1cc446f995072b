//! AFL++ wrapper of the `sds_v21` target (see the library's docs).

fn main() {
    afl::fuzz!(|data: &[u8]| edugraph_rostering_fuzz::sds_v21(data));
}
