//! AFL++ wrapper of the `orderby` target (see the library's docs).

fn main() {
    edugraph_odata_fuzz::prepare();
    afl::fuzz!(|data: &[u8]| edugraph_odata_fuzz::orderby(data));
}
