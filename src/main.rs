//! The `imgprompt` command: glue over the library. Exit codes: 0 ok, 1 invalid input, 2 usage or
//! I/O error.
fn main() -> std::process::ExitCode {
    imgprompt::cli::main()
}
