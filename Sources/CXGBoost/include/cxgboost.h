#ifndef MEDPIPE_CXGBOOST_H
#define MEDPIPE_CXGBOOST_H
/* XGBoost's C API (Debian libxgboost-dev, libxgboost.so.0), loaded at first use rather than at program start.
 *
 * XGBoost runs its loops on OpenMP (libgomp), whose idle threads spin by default. On a machine whose cores are
 * shared with other work that spinning stalls training (measured here: 20 trees of a forest took 393 s instead
 * of 13 s), so the loader sets OMP_WAIT_POLICY=PASSIVE for libgomp to read when it starts, unless the variable
 * is already set (and restores the environment for child processes). That works when XGBoost is the first
 * library in the process to start libgomp, as in `medpipe train --model random-forest`; loading lazily also
 * keeps XGBoost out of every other command. */
#include <stdint.h>

typedef uint64_t cxgb_ulong;
typedef void *cxgb_matrix;
typedef void *cxgb_booster;

/* The functions MedPipe uses, with XGBoost's signatures (checked against xgboost/c_api.h when compiling). Each
 * returns 0 on success and -1 on failure, when last_error() says why. */
struct cxgb_api {
    const char *_Nonnull (*_Nonnull last_error)(void);
    int (*_Nonnull matrix_create_from_mat)(const float *_Nonnull data, cxgb_ulong rows, cxgb_ulong columns, float missing,
                                           cxgb_matrix _Nullable *_Nonnull out);
    int (*_Nonnull matrix_set_float_info)(cxgb_matrix _Nonnull matrix, const char *_Nonnull field, const float *_Nonnull values,
                                          cxgb_ulong count);
    int (*_Nonnull matrix_free)(cxgb_matrix _Nonnull matrix);
    int (*_Nonnull booster_create)(const cxgb_matrix _Nullable *_Nullable matrices, cxgb_ulong count,
                                   cxgb_booster _Nullable *_Nonnull out);
    int (*_Nonnull booster_free)(cxgb_booster _Nonnull booster);
    int (*_Nonnull booster_set_param)(cxgb_booster _Nonnull booster, const char *_Nonnull name, const char *_Nonnull value);
    int (*_Nonnull booster_update_one_iter)(cxgb_booster _Nonnull booster, int iteration, cxgb_matrix _Nonnull train);
    int (*_Nonnull booster_predict)(cxgb_booster _Nonnull booster, cxgb_matrix _Nonnull matrix, int option_mask,
                                    unsigned ntree_limit, int training, cxgb_ulong *_Nonnull out_length,
                                    const float *_Nullable *_Nonnull out_result);
    int (*_Nonnull booster_get_attr)(cxgb_booster _Nonnull booster, const char *_Nonnull key,
                                     const char *_Nullable *_Nonnull out, int *_Nonnull success);
    int (*_Nonnull booster_set_attr)(cxgb_booster _Nonnull booster, const char *_Nonnull key, const char *_Nullable value);
    int (*_Nonnull booster_save_model_to_buffer)(cxgb_booster _Nonnull booster, const char *_Nonnull config,
                                                 cxgb_ulong *_Nonnull out_length, const char *_Nullable *_Nonnull out);
    int (*_Nonnull booster_load_model_from_buffer)(cxgb_booster _Nonnull booster, const void *_Nonnull buffer, cxgb_ulong length);
    int (*_Nonnull booster_feature_score)(cxgb_booster _Nonnull booster, const char *_Nonnull config, cxgb_ulong *_Nonnull out_count,
                                          const char *_Nullable *_Nullable *_Nonnull out_names, cxgb_ulong *_Nonnull out_dimensions,
                                          const cxgb_ulong *_Nullable *_Nonnull out_shape, const float *_Nullable *_Nonnull out_scores);
};

/* The API, loaded once per process; NULL when libxgboost.so.0 is missing or lacks a function, with *error saying which. */
const struct cxgb_api *_Nullable cxgb_load(const char *_Nullable *_Nonnull error);

#endif
