// The lmmkit engine: include this one header to fit linear mixed models by penalized least squares.
#ifndef LMMKIT_LMMKIT_H
#define LMMKIT_LMMKIT_H

#include "fit.h"
#include "objective_gradient.h"
#include "independent_columns.h"
#include "kinship.h"
#include "association.h"
#include "gwas_scan.h"
#include "symmetric_eigen.h"

#endif
