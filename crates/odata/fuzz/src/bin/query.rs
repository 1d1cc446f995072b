//! AFL++ wrapper of the `query` target (see the library's docs).

fn main() {
    edugraph_odata_fuzz::prepare();
    afl::fuzz!(|data: &[u8]| edugraph_odata_fuzz::query(data));
}
