//! The files of one upload, looked up by case-insensitive name.

use crate::diag::{code, Diagnostics};

/// One input file as bytes, under the name it was uploaded with.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default)]
pub(crate) struct FileSet {
    files: Vec<SourceFile>,
}

impl FileSet {
    /// Keeps the first of two files whose names differ only in case, with an error: which
    /// one the uploader meant cannot be told.
    pub(crate) fn new(files: Vec<SourceFile>, diags: &mut Diagnostics) -> FileSet {
        let mut kept: Vec<SourceFile> = Vec::with_capacity(files.len());
        for f in files {
            if kept.iter().any(|k| k.name.eq_ignore_ascii_case(&f.name)) {
                diags.error(
                    &f.name,
                    0,
                    None,
                    code::DUPLICATE_FILE,
                    "another file of the same name (ignoring case) is in the set; this one is ignored".into(),
                );
            } else {
                kept.push(f);
            }
        }
        FileSet { files: kept }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&SourceFile> {
        self.files
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|f| f.name.as_str())
    }
}
