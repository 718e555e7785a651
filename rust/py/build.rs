fn main() {
    // Sets cfg flags such as `PyPy`, `GraalPy` and `Py_LIMITED_API` for the interpreter built for.
    pyo3_build_config::use_pyo3_cfgs();
}
