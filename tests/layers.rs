//! The crate's layer order (src/lib.rs) holds: no module names a module of a
//! higher layer, so the import graph is one-way and has no circle across
//! layers. Read from the source text: every `crate::<module>` path in the
//! non-test part of every file under `src/` (up to its `#[cfg(test)]`),
//! comments left out (a doc link is no import).

use std::path::{Path, PathBuf};

/// The layers of `src/lib.rs`, lowest first; modules on one line share a layer.
const LAYERS: &[&[&str]] = &[
    &["timestamp", "fsio"],
    &["codec"],
    &["keys"],
    &["signed"],
    &["hardware"],
    &["profile", "capture"],
    &["policy", "compare"],
    &["license"],
    &["activation"],
    &["simulate"],
    &["authority"],
    &["codes"],
    &["wire"],
    &["online", "server"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file under `src/` belongs to (`None` for lib.rs and bin/).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(src).ok()?.components().next()?.as_os_str().to_str()?.to_owned();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
    (name != "lib" && name != "bin").then_some(name)
}

/// The code without its comments (a doc link to a higher layer is no import).
fn code_of(text: &str) -> String {
    text.lines().map(|l| l.split_once("//").map_or(l, |(code, _)| code)).collect::<Vec<_>>().join("\n")
}

/// Every module named as `crate::<module>` in `code`.
fn named_modules(code: &str) -> Vec<String> {
    code.match_indices("crate::")
        .filter(|(i, _)| !code[..*i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$'))
        .map(|(i, m)| {
            code[i + m.len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>()
        })
        .filter(|m| !m.is_empty())
        .collect()
}

#[test]
fn no_module_names_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    let mut checked = 0;
    for file in &files {
        let Some(module) = module_of(&src, file) else { continue };
        let from = layer_of(&module)
            .unwrap_or_else(|| panic!("{module} (in {}) is in no layer of this test", file.display()));
        let text = std::fs::read_to_string(file).unwrap();
        let code = code_of(text.split("#[cfg(test)]").next().unwrap_or_default());
        for target in named_modules(&code) {
            let Some(to) = layer_of(&target) else { continue }; // a crate-root re-export, a macro path
            checked += 1;
            if to > from {
                upward.push(format!(
                    "{} (layer {}) names crate::{target} (layer {})",
                    file.display(),
                    from + 1,
                    to + 1
                ));
            }
        }
    }
    assert!(checked > 100, "the scan found only {checked} crate paths: it no longer reads the source");
    assert!(upward.is_empty(), "imports that run up the layers:\n{}", upward.join("\n"));
}

#[test]
fn the_scan_sees_an_upward_path() {
    // The reader of paths itself: a fragment naming a higher layer is found.
    assert_eq!(
        named_modules("use crate::activation::Store;\nlet x = crate::keys::KeyId;"),
        ["activation", "keys"]
    );
    assert_eq!(named_modules("$crate::codec::x"), Vec::<String>::new());
    assert!(layer_of("activation") > layer_of("profile"));
    assert_eq!(
        named_modules(&code_of("//! [`x`](crate::cli::X)\nuse crate::codec; // crate::cli")),
        ["codec"]
    );
}
