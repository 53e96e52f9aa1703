// Sanitizer run-time defaults compiled into the sanitized test binary: every finding is fatal.
extern "C" const char* __asan_default_options() {
  return "abort_on_error=0:halt_on_error=1:detect_leaks=1:strict_string_checks=1:"
         "detect_stack_use_after_return=1:check_initialization_order=1";
}

extern "C" const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1";
}
