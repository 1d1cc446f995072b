//! AFL++ wrapper of the `query` target (see the library's docs).

fn main() {
    afl::fuzz!(|data: &[u8]| edugraph_odata_fuzz::query(data));
}
