fn main() -> std::process::ExitCode {
    wardline::cli::main()
}
