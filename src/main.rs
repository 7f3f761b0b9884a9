//! The `imgprompt` command: glue over the library. Exit codes: 0 ok, 1 invalid input, 2 usage or
//! I/O error.
/// mimalloc: the batch render path allocates many small values (see README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    imgprompt::cli::main()
}
