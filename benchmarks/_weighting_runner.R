# Rake one benchmark survey with R's survey package; helper of benchmarks/weighting.py.
#
# Usage (by the parent, not by hand):
#     Rscript benchmarks/_weighting_runner.R DATA_DIR OUT_DIR REPEAT TOL MAX_ITER
#
# Reads DATA_DIR/survey.csv (one character column per weighting variable) and margins.csv, then
# times rake() + weights() from the character columns in memory to the weights: one first call
# measured for memory (R's gc() "max used" minus what was in use before; R's heap only), then
# REPEAT timed calls. Writes OUT_DIR/weights.bin (little-endian float64, respondent order: full
# precision, which write.csv would round) and OUT_DIR/result.json.
suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = TRUE)
data_dir <- args[1]
out_dir <- args[2]
repeat_n <- as.integer(args[3])
tol <- as.numeric(args[4])
max_iter <- as.integer(args[5])

survey_df <- read.csv(file.path(data_dir, "survey.csv"), colClasses = "character")
margins <- read.csv(file.path(data_dir, "margins.csv"),
                    colClasses = c("character", "character", "numeric"))
variables <- names(survey_df)

rake_survey <- function() {
  total <- sum(margins$population[margins$variable == variables[1]])
  # Start from equal weights summing to the population, as the other tools end up.
  design <- svydesign(ids = ~1, data = survey_df,
                      weights = rep(total / nrow(survey_df), nrow(survey_df)))
  sample_margins <- lapply(variables, function(v) as.formula(paste0("~", v)))
  population_margins <- lapply(variables, function(v) {
    part <- margins[margins$variable == v, ]
    table <- data.frame(part$category, part$population)
    names(table) <- c(v, "Freq")
    table
  })
  # survey's epsilon < 1 is relative to the sum of the starting weights and bounds the largest
  # change of any cell of the cross table between two sweeps. A margin relative error of tol
  # is tol * (smallest margin) in counts, so that is the bound asked for.
  epsilon <- tol * min(margins$population) / total
  raked <- rake(design, sample_margins, population_margins,
                control = list(maxit = max_iter, epsilon = epsilon, verbose = FALSE))
  as.numeric(weights(raked))
}

in_use <- sum(gc(reset = TRUE)[, 2])
rake_survey()
peak_mb <- sum(gc()[, 6]) - in_use

seconds <- numeric(repeat_n)
for (i in seq_len(repeat_n)) {
  started <- proc.time()[["elapsed"]]
  raked_weights <- rake_survey()
  seconds[i] <- proc.time()[["elapsed"]] - started
}

dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
con <- file(file.path(out_dir, "weights.bin"), "wb")
writeBin(raked_weights, con, size = 8, endian = "little")
close(con)
writeLines(sprintf('{"seconds": [%s], "peak_mb": %.3f, "version": "%s"}',
                   paste(sprintf("%.6f", seconds), collapse = ", "), peak_mb,
                   as.character(packageVersion("survey"))),
           file.path(out_dir, "result.json"))
