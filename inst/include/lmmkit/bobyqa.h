// Bound-constrained derivative-free minimisation with NLopt's BOBYQA.
#ifndef LMMKIT_BOBYQA_H
#define LMMKIT_BOBYQA_H

#include "types.h"

#include <nlopt.h>

#include <exception>
#include <functional>

namespace lmmkit {

struct OptimizerSettings {
  double ftol_abs = 1e-12;
  double ftol_rel = 1e-15;
  double xtol_abs = 1e-10;
  int max_evaluations = 100000;
};

struct OptimizerResult {
  Vector x;
  double value = 0;
  int evaluations = 0;
  int status = 0;          // NLopt's nlopt_result code
  bool converged = false;  // a tolerance was met
  std::string message;
};

namespace detail {

struct CallbackState {
  std::function<double(const Vector&)> f;
  int evaluations = 0;
  std::exception_ptr error;
  nlopt_opt opt = nullptr;
};

// NLopt is C: no exception may cross it, so one is stored and rethrown after the run.
inline double nlopt_callback(unsigned n, const double* x, double*, void* data) {
  auto* state = static_cast<CallbackState*>(data);
  try {
    ++state->evaluations;
    return state->f(Eigen::Map<const Vector>(x, n));
  } catch (...) {
    state->error = std::current_exception();
    nlopt_force_stop(state->opt);
    return HUGE_VAL;
  }
}

inline std::string describe_status(nlopt_result status) {
  switch (status) {
    case NLOPT_SUCCESS: return "converged";
    case NLOPT_FTOL_REACHED: return "converged: objective tolerance reached";
    case NLOPT_XTOL_REACHED: return "converged: parameter tolerance reached";
    case NLOPT_MAXEVAL_REACHED: return "stopped: maximum number of evaluations reached";
    case NLOPT_ROUNDOFF_LIMITED: return "stopped: roundoff limited progress";
    default: return "failed with NLopt code " + std::to_string(static_cast<int>(status));
  }
}

}  // namespace detail

inline OptimizerResult minimize_bobyqa(std::function<double(const Vector&)> f, const Vector& start,
                                       const Vector& lower, const OptimizerSettings& settings) {
  const unsigned n = static_cast<unsigned>(start.size());
  detail::CallbackState state;
  state.f = std::move(f);
  state.opt = nlopt_create(NLOPT_LN_BOBYQA, n);
  nlopt_set_lower_bounds(state.opt, lower.data());
  nlopt_set_min_objective(state.opt, detail::nlopt_callback, &state);
  nlopt_set_ftol_abs(state.opt, settings.ftol_abs);
  nlopt_set_ftol_rel(state.opt, settings.ftol_rel);
  nlopt_set_xtol_abs1(state.opt, settings.xtol_abs);
  nlopt_set_maxeval(state.opt, settings.max_evaluations);
  OptimizerResult result;
  result.x = start;
  const nlopt_result status = nlopt_optimize(state.opt, result.x.data(), &result.value);
  nlopt_destroy(state.opt);
  if (state.error) std::rethrow_exception(state.error);
  result.evaluations = state.evaluations;
  result.status = static_cast<int>(status);
  result.converged = status >= NLOPT_SUCCESS && status != NLOPT_MAXEVAL_REACHED &&
                     status != NLOPT_MAXTIME_REACHED;
  result.message = detail::describe_status(status);
  return result;
}

}  // namespace lmmkit

#endif
