// The C ABI of the SwiftLR core: the only contract between the Swift library
// and the CPython shim. Every function here is implemented in Swift
// (Sources/SwiftLR/CABI) with @_cdecl, never traps on bad input, and reports
// failures through a status code plus a message in a caller-owned buffer.
#ifndef SWIFTLR_ABI_H
#define SWIFTLR_ABI_H

#include <stdint.h>

// Not ABI: the Swift kernels' vector helpers, in this module's umbrella. Included
// here so that a build whose module cache predates that header rebuilds it.
#include "swiftlr_simd.h"

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - Status

/// What a failed call maps to on the Python side.
typedef enum {
  SWIFTLR_OK = 0,
  SWIFTLR_VALUE_ERROR = 1,
  SWIFTLR_TYPE_ERROR = 2,
  SWIFTLR_OVERFLOW_ERROR = 3,
  SWIFTLR_KEY_ERROR = 4,
  SWIFTLR_ZERO_DIVISION_ERROR = 5,
  SWIFTLR_RUNTIME_ERROR = 6,
} swiftlr_status;

/// Room for an error message, NUL-terminated and truncated to fit.
typedef struct {
  char text[512];
} swiftlr_message;

// MARK: - Values

/// A tagged value: the hyperparameters and state of a scheduler cross the ABI
/// as (name, value) pairs so that one mechanism serves every scheduler.
typedef enum {
  SWIFTLR_NONE = 0,
  SWIFTLR_BOOL = 1,
  SWIFTLR_INT = 2,
  SWIFTLR_DOUBLE = 3,
  SWIFTLR_INTS = 4,
  SWIFTLR_DOUBLES = 5,
  SWIFTLR_STRING = 6,
} swiftlr_tag;

/// A value read out of the core. A list or string is copied into a buffer
/// the caller owns (see `swiftlr_scheduler_get`): `count` is its length
/// (elements; bytes with the NUL for a string), the pointer NULL when the
/// buffer was too small.
typedef struct {
  int32_t tag;
  int64_t int_value;
  double double_value;
  const int64_t *ints;
  const double *doubles;
  const char *string;
  int64_t count;
} swiftlr_value;

// MARK: - Configurations (name -> value maps built by the caller)

typedef struct swiftlr_config swiftlr_config;

swiftlr_config *swiftlr_config_new(void);
void swiftlr_config_free(swiftlr_config *config);
void swiftlr_config_put_none(swiftlr_config *config, const char *name);
void swiftlr_config_put_bool(swiftlr_config *config, const char *name, int32_t value);
void swiftlr_config_put_int(swiftlr_config *config, const char *name, int64_t value);
void swiftlr_config_put_double(swiftlr_config *config, const char *name, double value);
void swiftlr_config_put_ints(swiftlr_config *config, const char *name, const int64_t *values, int64_t count);
void swiftlr_config_put_doubles(swiftlr_config *config, const char *name, const double *values, int64_t count);
void swiftlr_config_put_string(swiftlr_config *config, const char *name, const char *value);

// MARK: - Declared arguments

/// One constructor argument of a scheduler, as the Swift core declares it
/// (`SchedulerArgument`). The strings and lists live as long as the process.
typedef struct {
  const char *name;
  /// How a value is converted (`SchedulerArgument.Conversion`): "int", "float",
  /// "int_or_float", "bool", "str", "ints", "floats" or "per_group".
  const char *conversion;
  /// 0: required. Else `default_value` holds the default (SWIFTLR_NONE: None).
  int32_t has_default;
  /// PyTorch checks it before it looks at the optimizer.
  int32_t checked_first;
  swiftlr_value default_value;
} swiftlr_argument;

/// How many arguments the scheduler `kind` declares; -1 for an unknown kind.
int64_t swiftlr_scheduler_argument_count(const char *kind);
/// Fills `out` with argument `index` of `kind`; 0 when out of range.
int32_t swiftlr_scheduler_argument(const char *kind, int64_t index, swiftlr_argument *out);
/// Name of the `index`-th declared field of `kind` that is one of PyTorch's attributes
/// (declaration order; static storage); NULL past the last one or for an unknown kind.
const char *swiftlr_scheduler_torch_field(const char *kind, int64_t index);
/// The `index`-th param-group key whose value a step of `kind` takes as an input
/// (`LRScheduler.groupInputKeys`; `cycle_momentum` nonzero when momentum cycles;
/// static storage); NULL past the last one or for an unknown kind.
const char *swiftlr_scheduler_group_input(const char *kind, int32_t cycle_momentum, int64_t index);
/// Runs the declared checks of the arguments `config` holds (and no others).
int32_t swiftlr_scheduler_check(const char *kind, const swiftlr_config *config, swiftlr_message *message);
/// SWALR's annealing weight at `t` for the strategy "cos" or "linear"; NaN for another.
double swiftlr_anneal_weight(const char *strategy, double t);
/// CyclicLR's cycle number at `step`: floor(1 + step / total_size).
double swiftlr_cyclic_cycle(double total_size, double step);
/// A CyclicLR policy's scale at `x` ("triangular", "triangular2", "exp_range"); NaN for another.
double swiftlr_cyclic_scale(const char *mode, double gamma, double x);

// MARK: - Schedulers

typedef struct swiftlr_scheduler swiftlr_scheduler;

/// Creates the scheduler named `kind` ("StepLR", ...) from `config`, which
/// holds its constructor arguments plus "base_lrs" and "last_epoch".
/// Returns NULL and fills `status` and `message` on failure.
swiftlr_scheduler *swiftlr_scheduler_new(const char *kind, const swiftlr_config *config, int32_t *status,
                                         swiftlr_message *message);
swiftlr_scheduler *swiftlr_scheduler_copy(const swiftlr_scheduler *scheduler);
void swiftlr_scheduler_free(swiftlr_scheduler *scheduler);

/// The scheduler's state, saved to be put back by `swiftlr_scheduler_restore`
/// on the same scheduler (a ChainedScheduler whose later stage raised);
/// freed with `swiftlr_scheduler_saved_free`.
typedef struct swiftlr_scheduler_saved swiftlr_scheduler_saved;
swiftlr_scheduler_saved *swiftlr_scheduler_save(const swiftlr_scheduler *scheduler);
void swiftlr_scheduler_restore(swiftlr_scheduler *scheduler, const swiftlr_scheduler_saved *saved);
void swiftlr_scheduler_saved_free(swiftlr_scheduler_saved *saved);

/// The number of param groups, and of per-step inputs (user factors, metrics).
int64_t swiftlr_scheduler_group_count(const swiftlr_scheduler *scheduler);
int64_t swiftlr_scheduler_input_count(const swiftlr_scheduler *scheduler);

/// One step: `lrs` holds each group's current lr on entry and the new lr on
/// exit. With an `epoch` (NULL: none), takes PyTorch's deprecated
/// `step(epoch)` path: SWIFTLR_INT, an integer kept exactly, or
/// SWIFTLR_DOUBLE, a float (fractional only for CosineAnnealingWarmRestarts).
/// `step_count` and `is_initial` are PyTorch's `_step_count` (counting this
/// step) and `_is_initial`, kept by the caller. On failure nothing changes,
/// neither the scheduler nor `lrs`.
int32_t swiftlr_scheduler_step(swiftlr_scheduler *scheduler, double *lrs, int64_t lr_count, const double *inputs,
                               int64_t input_count, const swiftlr_value *epoch, int64_t step_count, int32_t is_initial,
                               swiftlr_message *message);

/// The dtype of a group's lr, for `swiftlr_scheduler_step_precise`: a Python
/// float or float64 tensor, or a 0-d tensor whose arithmetic rounds to float32,
/// float16 or bfloat16 as PyTorch's does.
enum {
  SWIFTLR_LR_FLOAT64 = 0,
  SWIFTLR_LR_FLOAT32 = 1,
  SWIFTLR_LR_FLOAT16 = 2,
  SWIFTLR_LR_BFLOAT16 = 3,
};

/// `swiftlr_scheduler_step` with each group's lr dtype (`precisions`, one
/// SWIFTLR_LR_* code per group): the rules round every operation on a tensor
/// lr to its dtype, so the new lrs are exactly representable in it.
int32_t swiftlr_scheduler_step_precise(swiftlr_scheduler *scheduler, double *lrs, int64_t lr_count,
                                       const int32_t *precisions, const double *inputs, int64_t input_count,
                                       const swiftlr_value *epoch, int64_t step_count, int32_t is_initial,
                                       swiftlr_message *message);

/// `steps` steps at once (PyTorch's `step()` that many times, without an
/// epoch), bit for bit: `lrs` holds each group's current lr on entry and the
/// lrs after the last step on exit; `precisions` (NULL: Python floats) as for
/// `swiftlr_scheduler_step_precise`; `inputs` serve every step; `step_count`
/// is `_step_count` before the first, each step counting one more when
/// `count_steps`. Committed or undone as a step is; on failure nothing changes.
int32_t swiftlr_scheduler_fast_forward(swiftlr_scheduler *scheduler, double *lrs, int64_t lr_count,
                                       const int32_t *precisions, const double *inputs, int64_t input_count,
                                       int64_t steps, int64_t step_count, int32_t count_steps,
                                       swiftlr_message *message);

/// After a successful step, before the next call: `undo_step` puts back the
/// state the step started from (the caller could not apply its results),
/// `commit_step` keeps the new one. Either releases what the step kept.
void swiftlr_scheduler_undo_step(swiftlr_scheduler *scheduler);
void swiftlr_scheduler_commit_step(swiftlr_scheduler *scheduler);

/// PyTorch's `get_lr()` (or, with `closed_form`, `_get_closed_form_lr()`) at
/// the current `last_epoch`, without stepping: `lrs` holds the current lrs on
/// entry and the computed ones on exit. Fails for a closed form the scheduler
/// does not have.
int32_t swiftlr_scheduler_lrs(swiftlr_scheduler *scheduler, double *lrs, int64_t lr_count, int32_t closed_form,
                              swiftlr_message *message);

/// The momentum each group gets after the last step (PyTorch's `get_lr()`
/// side effect of schedulers that cycle momentum): fills `count` (the group
/// count) values and returns 1, or returns 0 when the scheduler sets none.
int32_t swiftlr_scheduler_momenta(swiftlr_scheduler *scheduler, double *momenta, int64_t count);

/// The names of the fields (hyperparameters and state) the scheduler exposes.
int64_t swiftlr_scheduler_field_count(const swiftlr_scheduler *scheduler);
const char *swiftlr_scheduler_field_name(const swiftlr_scheduler *scheduler, int64_t index);

/// Reads one field; returns 0 when the scheduler has no field of that name.
/// A list or string is copied into `buffer` when it fits in `capacity`
/// bytes; otherwise its pointer is NULL and the caller asks again with a
/// buffer of `count` elements. The core keeps no pointer into it.
int32_t swiftlr_scheduler_get(swiftlr_scheduler *scheduler, const char *name, swiftlr_value *value, void *buffer,
                              int64_t capacity);

/// Sets every field in `config` at once, or none of them.
int32_t swiftlr_scheduler_update(swiftlr_scheduler *scheduler, const swiftlr_config *config, swiftlr_message *message);

// MARK: - SGD

typedef enum {
  SWIFTLR_FLOAT32 = 0,
  SWIFTLR_FLOAT64 = 1,
} swiftlr_dtype;

/// One parameter: `buffer` is NULL without momentum; `fresh_buffer` says the
/// buffer has no history yet and is to be set to the first (decayed) gradient.
typedef struct {
  void *param;
  const void *grad;
  void *buffer;
  int64_t count;
  int32_t dtype;
  int32_t fresh_buffer;
  int64_t group;
} swiftlr_sgd_tensor;

/// One param group's options. `fma`: 1 rounds each of torch's `add(x, y,
/// alpha=a)` (x + a*y) once, as one fused multiply-add, as torch's AVX2 and
/// AVX-512 kernels do; 0 rounds the product and the sum, as its default
/// kernels do (see `swiftlr_torch_capability`).
typedef struct {
  double lr;
  double momentum;
  double dampening;
  double weight_decay;
  int32_t nesterov;
  int32_t maximize;
  int32_t fma;
} swiftlr_sgd_group;

/// `torch.optim.SGD`'s constructor checks, in its words, of the values `config` holds
/// (`lr`, `momentum`, `dampening`, `weight_decay`, `nesterov`).
int32_t swiftlr_sgd_check(const swiftlr_config *config, swiftlr_message *message);
/// Checks every tensor and group first, then updates all parameters in place.
/// Touches no Python object: the caller may release the GIL around it.
int32_t swiftlr_sgd_step(const swiftlr_sgd_tensor *tensors, int64_t tensor_count, const swiftlr_sgd_group *groups,
                         int64_t group_count, swiftlr_message *message);

/// `a += scale * b` over all cores (float32 when `dtype` is SWIFTLR_FLOAT32,
/// else float64): the memory-bandwidth yardstick of the benchmarks.
void swiftlr_axpy(void *a, const void *b, int64_t count, int32_t dtype, double scale);

// MARK: - Adam

/// One parameter of an Adam step: its moments (`max_exp_avg_sq` NULL without
/// amsgrad), and `step`, the step count this update makes (1 at the first),
/// already counted as torch's float32 step tensor counts.
typedef struct {
  void *param;
  const void *grad;
  void *exp_avg;
  void *exp_avg_sq;
  void *max_exp_avg_sq;
  int64_t count;
  int32_t dtype;
  float step;
  int64_t group;
} swiftlr_adam_tensor;

/// One param group's options. `decoupled`: AdamW's weight decay. `capability`:
/// the torch CPU capability whose fused kernel the update reproduces
/// (`swiftlr_torch_capability()`).
typedef struct {
  double lr;
  double beta1;
  double beta2;
  double eps;
  double weight_decay;
  int32_t amsgrad;
  int32_t maximize;
  int32_t decoupled;
  int32_t capability;
} swiftlr_adam_group;

/// Checks every tensor and group first, then updates every parameter and its
/// moments in place, bit for bit as torch's fused CPU Adam (`fused=True`).
/// Touches no Python object: the caller may release the GIL around it.
int32_t swiftlr_adam_step(const swiftlr_adam_tensor *tensors, int64_t tensor_count, const swiftlr_adam_group *groups,
                          int64_t group_count, swiftlr_message *message);

/// The kernels on elements [lo, hi) of one array, compiled for one
/// instruction set: the SGD update of `tensor` with `group`'s options,
/// `a += scale * b`, the Adam update, `powNearOne` (PolynomialLR's pows near 1,
/// bit for bit glibc's; returns how many called `pow`), `polynomial_pows`
/// (`powNearOne` of PolynomialLR's ratios at epochs before + 1 ..., made in the
/// kernel too) and `cosines` (in place, bit for bit glibc's `cos`; returns how
/// many called `cos`).
typedef struct {
  const char *name;  // "avx2", "avx512"
  void (*sgd)(const swiftlr_sgd_tensor *tensor, const swiftlr_sgd_group *group, int64_t lo, int64_t hi);
  void (*axpy)(void *a, const void *b, int64_t lo, int64_t hi, int32_t dtype, double scale);
  void (*adam)(const swiftlr_adam_tensor *tensor, const swiftlr_adam_group *group, int64_t lo, int64_t hi);
  int64_t (*pow_near_one)(const double *bases, double *out, int64_t count, double power);
  int64_t (*polynomial_pows)(double before, double total, double *out, int64_t count, double power);
  int64_t (*cosines)(double *values, int64_t count);
} swiftlr_kernels;

/// The kernels built for the widest instruction set this CPU and OS support
/// (AVX-512, then AVX2, on x86-64), or NULL: use the portable ones. The
/// builds are separate Swift targets, linked into the extension; where they
/// are not linked (or not built, off x86-64) this returns NULL.
const swiftlr_kernels *swiftlr_best_kernels(void);

/// The name of the kernels in use: "portable", "avx2" or "avx512".
const char *swiftlr_kernels_name(void);

/// torch's CPU capabilities on x86-64, which decide its arithmetic: the
/// AVX2 and AVX-512 kernels fuse `x + a*y` into one multiply-add, the default
/// ones do not.
typedef enum {
  SWIFTLR_TORCH_DEFAULT = 0,
  SWIFTLR_TORCH_AVX2 = 1,
  SWIFTLR_TORCH_AVX512 = 2,
} swiftlr_torch_cpu_capability;

/// The CPU capability torch would pick in this process (ATen's
/// compute_cpu_capability: ATEN_CPU_CAPABILITY if it is "default", "avx2" or
/// "avx512", else the widest this CPU has), without importing torch. Read once
/// per process. Independent of the kernels swiftlr runs for speed.
int32_t swiftlr_torch_capability(void);

// MARK: - Gradient clipping

/// One gradient to clip: a contiguous float32 or float64 array (`dtype`).
typedef struct {
  void *grad;
  int64_t count;
  int32_t dtype;
} swiftlr_clip_tensor;

/// `torch.nn.utils.clip_grad_norm_` over `tensors` (in the caller's order;
/// torch's grouping by dtype is done here): writes the total norm to `total`
/// and its dtype to `total_dtype` (float64 if any gradient is), then, if
/// `clip` is non-zero, scales every gradient by torch's clamped coefficient
/// for `max_norm`, rounded as torch under `capability` (a
/// swiftlr_torch_cpu_capability: its AVX2/AVX-512 2-norms fuse the tail). A non-finite total with `error_if_nonfinite`
/// fails with SWIFTLR_RUNTIME_ERROR (torch's words) before anything is written. No tensors: total 0, float32. Touches
/// no Python object: the caller may release the GIL around it.
int32_t swiftlr_clip_grad_norm(const swiftlr_clip_tensor *tensors, int64_t tensor_count, double max_norm,
                               double norm_type, int32_t error_if_nonfinite, int32_t clip, int32_t capability,
                               double *total, int32_t *total_dtype, swiftlr_message *message);

/// `torch.nn.utils.clip_grad_value_`: clamps every gradient into
/// [-clip_value, clip_value] (bounds rounded to each gradient's dtype).
int32_t swiftlr_clip_grad_value(const swiftlr_clip_tensor *tensors, int64_t tensor_count, double clip_value,
                                swiftlr_message *message);

// MARK: - Schedules (a scheduler evaluated as a pure function of the step)

/// The lr of group 0 of the scheduler `kind`, built fresh from `config`, at
/// each of `count` steps. `closed_form` 0: `out[i]` is its lr after
/// `steps[i]` calls of `step()` (after the constructor's step; steps at most
/// 2**27); non-zero: after `step(steps[i])` (PyTorch's closed form, where it
/// has one). `inputs` (`input_count` values, NULL for none) are the per-step
/// inputs, the same at every step. Fails for negative steps and for schedulers
/// whose inputs change per step (or, in closed form, whose lr depends on the
/// previous lr). Touches no Python object: the caller may release the GIL.
int32_t swiftlr_schedule_values(const char *kind, const swiftlr_config *config, const int64_t *steps, int64_t count,
                                const double *inputs, int64_t input_count, int32_t closed_form, double *out,
                                swiftlr_message *message);

#ifdef __cplusplus
}
#endif

#endif  // SWIFTLR_ABI_H
