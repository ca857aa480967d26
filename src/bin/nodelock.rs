//! The `nodelock` command-line tool; see `nodelock --help`.

fn main() -> std::process::ExitCode {
    nodelock::cli::main()
}
