// Bound-constrained minimisation with NLopt: BOBYQA (derivative-free) or L-BFGS (exact gradient).
#ifndef LMMKIT_NLOPT_MINIMIZE_H
#define LMMKIT_NLOPT_MINIMIZE_H

#include "types.h"

#include <nlopt.h>

#include <exception>
#include <functional>

namespace lmmkit {

// Which method minimises the objective: `automatic` leaves the choice to fit_lmm().
enum class OptimizerChoice { automatic, bobyqa, lbfgs };

struct OptimizerSettings {
  OptimizerChoice method = OptimizerChoice::automatic;
  double ftol_abs = 1e-12;
  double ftol_rel = 1e-15;
  double xtol_abs = 1e-10;
  int max_evaluations = 100000;
  double initial_step = 0;  // BOBYQA's initial trust-region radius; 0: NLopt's choice
};

struct OptimizerResult {
  Vector x;
  double value = 0;
  int evaluations = 0;
  int gradients = 0;       // of the evaluations, those that also computed the gradient
  int status = 0;          // NLopt's nlopt_result code
  bool converged = false;  // a tolerance was met
  bool stationary = false; // the exact gradient vanished at an end inside the bounds
  std::string message;
  std::string method = "bobyqa";  // or "lbfgs", or "lbfgs+bobyqa" when BOBYQA went on from L-BFGS's end
};

// The objective at x; when `gradient` is not null it is resized to x's length and filled with the gradient.
using ObjectiveWithGradient = std::function<double(const Vector& x, Vector* gradient)>;

namespace detail {

struct CallbackState {
  ObjectiveWithGradient f;
  int evaluations = 0;
  int gradients = 0;
  std::exception_ptr error;
  nlopt_opt opt = nullptr;
};

// NLopt is C: no exception may cross it, so one is stored and rethrown after the run.
inline double nlopt_callback(unsigned n, const double* x, double* grad, void* data) {
  auto* state = static_cast<CallbackState*>(data);
  try {
    ++state->evaluations;
    const Eigen::Map<const Vector> at(x, n);
    if (grad == nullptr) return state->f(at, nullptr);
    ++state->gradients;
    Vector gradient(n);
    const double value = state->f(at, &gradient);
    Eigen::Map<Vector>(grad, n) = gradient;
    return value;
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

inline OptimizerResult minimize_nlopt(nlopt_algorithm algorithm, ObjectiveWithGradient f, const Vector& start,
                                      const Vector& lower, const OptimizerSettings& settings) {
  const unsigned n = static_cast<unsigned>(start.size());
  CallbackState state;
  state.f = std::move(f);
  state.opt = nlopt_create(algorithm, n);
  nlopt_set_lower_bounds(state.opt, lower.data());
  nlopt_set_min_objective(state.opt, nlopt_callback, &state);
  nlopt_set_ftol_abs(state.opt, settings.ftol_abs);
  nlopt_set_ftol_rel(state.opt, settings.ftol_rel);
  nlopt_set_xtol_abs1(state.opt, settings.xtol_abs);
  nlopt_set_maxeval(state.opt, settings.max_evaluations);
  if (settings.initial_step > 0) nlopt_set_initial_step1(state.opt, settings.initial_step);
  OptimizerResult result;
  result.x = start;
  const nlopt_result status = nlopt_optimize(state.opt, result.x.data(), &result.value);
  nlopt_destroy(state.opt);
  if (state.error) std::rethrow_exception(state.error);
  result.evaluations = state.evaluations;
  result.gradients = state.gradients;
  result.status = static_cast<int>(status);
  result.converged = status >= NLOPT_SUCCESS && status != NLOPT_MAXEVAL_REACHED &&
                     status != NLOPT_MAXTIME_REACHED;
  result.message = describe_status(status);
  return result;
}

}  // namespace detail

inline OptimizerResult minimize_bobyqa(std::function<double(const Vector&)> f, const Vector& start,
                                       const Vector& lower, const OptimizerSettings& settings) {
  auto value_only = [f = std::move(f)](const Vector& x, Vector*) { return f(x); };
  return detail::minimize_nlopt(NLOPT_LN_BOBYQA, value_only, start, lower, settings);
}

// L-BFGS with bounds on an objective whose exact gradient is known; each evaluation returns both.
inline OptimizerResult minimize_lbfgs(ObjectiveWithGradient f, const Vector& start, const Vector& lower,
                                      const OptimizerSettings& settings) {
  OptimizerResult result = detail::minimize_nlopt(NLOPT_LD_LBFGS, std::move(f), start, lower, settings);
  result.method = "lbfgs";
  return result;
}

}  // namespace lmmkit

#endif
