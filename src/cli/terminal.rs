//! What reaches the terminal: every line that carries a field from input
//! (licensee, product, features, machine labels, hardware values, actors,
//! error messages) is printed through [`say!`], which escapes control
//! characters, bidi overrides and zero-width characters with the one rule of
//! [`crate::codec::printable`]; and a closed pipe ends the tool quietly.

/// `println!` for a line holding input-derived text: the formatted line is
/// escaped as a whole ([`crate::codec::printable::escape`]), so no field can
/// start a new line, move the cursor or reorder the text.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", $crate::codec::printable::escape(&format!($($arg)*)))
    };
}
pub(crate) use say;

/// `message` for stderr: each of its lines escaped, the line breaks kept.
pub(crate) fn escaped_lines(message: &str) -> String {
    message.lines().map(crate::codec::printable::escape).collect::<Vec<_>>().join("\n")
}

/// Makes a closed stdout (`nodelock seats history | head -1`) end the tool
/// quietly instead of panicking with "failed printing to stdout: Broken
/// pipe" (exit 101). On Unix the default action of SIGPIPE is restored,
/// which the Rust runtime replaces with "ignore": the tool then ends like
/// `cat` does (killed by SIGPIPE, status 141 in a shell, nothing printed).
/// Elsewhere, a panic from printing to a closed stdout exits with status 0
/// and no message.
pub(crate) fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    restore_sigpipe();
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") {
            std::process::exit(0);
        }
        default(info);
    }));
}

#[cfg(unix)]
#[allow(unsafe_code)]
fn restore_sigpipe() {
    // SAFETY: `signal` with SIG_DFL installs no handler code; it is called
    // once at start-up, before any thread is spawned.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
