#include "cxgboost.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

static struct cxgb_api api;
static const struct cxgb_api *loaded;
static const char *failure;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Each pointer gets the type of XGBoost's declaration; a signature that differs from struct cxgb_api fails to compile. */
#define BIND(field, symbol)                                                                                         \
    do {                                                                                                            \
        __typeof__(&symbol) bound = (__typeof__(&symbol))dlsym(library, #symbol);                                  \
        if (!bound) { failure = "libxgboost.so.0 lacks " #symbol; return; }                                        \
        _Static_assert(__builtin_types_compatible_p(__typeof__(bound), __typeof__(api.field)), #symbol);           \
        api.field = (__typeof__(api.field))bound;                                                                  \
    } while (0)

static void load(void) {
    const char *previous = getenv("OMP_WAIT_POLICY");
    char *saved = previous ? strdup(previous) : NULL;
    if (!previous) setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    void *library = dlopen("libxgboost.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!library) library = dlopen("libxgboost.so", RTLD_NOW | RTLD_LOCAL);
    if (saved) free(saved); else unsetenv("OMP_WAIT_POLICY");
    if (!library) { failure = "cannot load libxgboost.so.0; install it with tools/setup (Debian libxgboost-dev)"; return; }
    BIND(last_error, XGBGetLastError);
    BIND(matrix_create_from_mat, XGDMatrixCreateFromMat);
    BIND(matrix_set_float_info, XGDMatrixSetFloatInfo);
    BIND(matrix_free, XGDMatrixFree);
    BIND(booster_create, XGBoosterCreate);
    BIND(booster_free, XGBoosterFree);
    BIND(booster_set_param, XGBoosterSetParam);
    BIND(booster_update_one_iter, XGBoosterUpdateOneIter);
    BIND(booster_predict, XGBoosterPredict);
    BIND(booster_get_attr, XGBoosterGetAttr);
    BIND(booster_set_attr, XGBoosterSetAttr);
    BIND(booster_save_model_to_buffer, XGBoosterSaveModelToBuffer);
    BIND(booster_load_model_from_buffer, XGBoosterLoadModelFromBuffer);
    BIND(booster_feature_score, XGBoosterFeatureScore);
    loaded = &api;
}

const struct cxgb_api *cxgb_load(const char **error) {
    pthread_once(&once, load);
    *error = failure;
    return loaded;
}
