//! AFL++ wrapper of the `filter` target (see the library's docs).

fn main() {
    afl::fuzz!(|data: &[u8]| edugraph_odata_fuzz::filter(data));
}
