# Reference values from R's `survey` package for pmresearch's agreement tests.
#
# Run from the repository root (R and Debian's r-cran-survey; nothing else):
#
#     Rscript tests/reference/r_survey_reference.R
#
# It reads the committed Ashbrook demo survey (pmresearch/demo/ashbrook/) and writes, beside
# this script:
#
#   r_survey_reference.csv   one value per row, tidy columns:
#       quantity   proportion        % satisfied in the wave or a subgroup
#                  mean              mean code of the valid answers (1-5)
#                  group_minus_rest  a subgroup's % satisfied minus the rest's, same wave
#                  wave_change       % satisfied in 2025 minus 2024 (independent samples)
#       design     the svydesign the value comes from:
#                    raked            svydesign(ids = ~1, weights = ~1) raked with rake() to the
#                                     five margins; variance accounts for the raking
#                    fixed            svydesign(ids = ~1, weights = ~w), w = weights(raked):
#                                     the same weights treated as fixed
#                    calibrate_raking calibrate(..., calfun = "raking"): the same weights; its
#                                     variance uses the exact projection on the margins, where
#                                     rake() stops after 10 backfitting sweeps (the two SEs
#                                     are recorded so the size of that difference is known)
#                    stratified       strata = ~ward_code, fpc = ~adult_population,
#                                     weights N_h / n_h (no raking)
#                    clustered        ids = ~ward_code (wards as PSUs), weights N_h / n_h:
#                                     20 PSUs, degf 19, where t and the normal part visibly
#       wave       survey wave ("2025"), or "2025-2024" for a change between waves
#       item       survey item column
#       by         subgroup variable, empty for the whole sample
#       group      subgroup category; for a difference, the category compared with the rest
#       statistic  estimate      weighted proportion of codes 1-2 among valid answers (1-5)
#                  se            its linearised standard error
#                  ci_low, ci_high            proportion: svyciprop(method = "logit"),
#                                df = degf(design); mean: confint(svymean(...), df = degf);
#                                group_minus_rest: svyttest()$conf.int; wave_change:
#                                difference -/+ qt(0.975, df) * se
#                  ci_low_normal, ci_high_normal   the same with df = Inf (normal quantile)
#                  df            proportion, mean: degf(design) of the valid-answer subset;
#                                group_minus_rest: svyttest()$parameter, the svyglm residual
#                                df degf + 1 - 2; wave_change: Welch-Satterthwaite df of the
#                                two waves' variances on their own degf (docs/assumptions.md)
#                  deff          svymean(..., deff = TRUE): variance over the variance of a
#                                simple random sample without replacement of the same size
#                  n_unweighted, n_weighted   valid answers, and the sum of their weights
#                  difference    group minus rest, or wave 2025 minus wave 2024
#                  t             difference / se
#                  p_value       group_minus_rest: svyttest()$p.value, 2 * pt(-|t|, df);
#                                wave_change: 2 * pt(-|t|, df)
#                  p_value_normal  2 * pnorm(-|t|), to show what the normal test would say
#       value      the number, printed with 17 significant digits
#   r_raked_weights_2025.csv respondent_id, weight: the raked weights of wave 2025 (17 digits)
#   r_session_info.txt       R and package versions that produced the files, and the MD5 of
#                            each input file ("md5 <file> <hash>"); the same versions are the
#                            first rows of r_survey_reference.csv (quantity "session")
#
# "Valid" follows the LGA convention used by pmresearch: codes 1-5 (1-4 on four-point items);
# 9 (don't know) and blank (not asked) leave the base. The estimate is always computed on
# subset(design, valid), so the variance is a domain variance over the whole wave sample.

suppressPackageStartupMessages(library(survey))
# Any warning (raking not converged, say) stops the script, except one that is expected:
# svyglm() on a subset of a raked design keeps the excluded rows with weight 0, and glm()
# notes that they do not enter its dispersion (which the survey variance does not use).
globalCallingHandlers(warning = function(w) {
  if (grepl("observations with zero weight", conditionMessage(w), fixed = TRUE)) {
    invokeRestart("muffleWarning")
  }
  stop("warning turned into an error: ", conditionMessage(w), call. = FALSE)
})

demo_dir <- file.path("pmresearch", "demo", "ashbrook")
out_dir <- file.path("tests", "reference")
weighting_variables <- c("ward_code", "age_band", "sex", "ethnic_group", "tenure")
items <- c("sat_street_clean", "sat_council", "sat_libraries")
satisfied_codes <- 1:2
valid_codes <- 1:5

# Read categories as character so "AB01" or "65+" never turn into numbers or factors by accident.
responses <- read.csv(file.path(demo_dir, "survey_responses.csv"), colClasses = "character",
                      na.strings = "")
for (item in items) responses[[item]] <- as.integer(responses[[item]])
margins <- read.csv(file.path(demo_dir, "population_margins.csv"), colClasses = "character")
margins$population <- as.numeric(margins$population)
wards <- read.csv(file.path(demo_dir, "wards.csv"), colClasses = "character")
wards$adult_population <- as.numeric(wards$adult_population)

# Factor levels in the order of population_margins.csv, so calibrate()'s reference categories
# (the first level of each variable) are well defined.
for (v in weighting_variables) {
  responses[[v]] <- factor(responses[[v]], levels = margins$category[margins$variable == v])
}

# ---- collecting the output ----------------------------------------------------------------
rows <- list()
record <- function(design, wave, item, by, group, statistic, value,
                   quantity = "proportion") {
  rows[[length(rows) + 1]] <<- data.frame(
    quantity = quantity, design = design, wave = wave, item = item, by = by, group = group,
    statistic = statistic, value = sprintf("%.17g", as.numeric(value)))
}

# ---- designs --------------------------------------------------------------------------------
wave_data <- function(wave) {
  d <- responses[responses$wave == wave, ]
  rownames(d) <- NULL
  d
}

# One data frame per margin, as rake() wants it: the variable's column and Freq.
population_margins <- lapply(weighting_variables, function(v) {
  m <- margins[margins$variable == v, ]
  out <- data.frame(factor(m$category, levels = m$category), m$population)
  names(out) <- c(v, "Freq")
  out
})
sample_margins <- lapply(weighting_variables, function(v) as.formula(paste("~", v)))

raked_design <- function(d) {
  # Initial weights 1; epsilon < 1 is relative to the sum of the initial weights (the
  # respondent count), compared with the largest change of any cell of the crossed table.
  rake(svydesign(ids = ~1, weights = ~1, data = d), sample_margins, population_margins,
       control = list(maxit = 1000, epsilon = 1e-15))
}

fixed_design <- function(raked) {
  d <- raked$variables
  d$w <- weights(raked)
  svydesign(ids = ~1, weights = ~w, data = d)
}

calibrated_design <- function(d) {
  # The same raking as a calibration: the population vector is the intercept (the total) and
  # every category but the first of each variable.
  total <- sum(population_margins[[1]]$Freq)
  population <- c(`(Intercept)` = total)
  for (m in population_margins) {
    v <- names(m)[1]
    keep <- m[-1, ]
    population <- c(population, setNames(keep$Freq, paste0(v, keep[[v]])))
  }
  formula <- as.formula(paste("~", paste(weighting_variables, collapse = " + ")))
  calibrate(svydesign(ids = ~1, weights = ~1, data = d), formula, population,
            calfun = "raking", maxit = 200, epsilon = 1e-14)
}

# Stratified and clustered designs without raking: weights N_h / n_h by ward.
ward_design_data <- function(d) {
  d$adult_population <- wards$adult_population[match(as.character(d$ward_code), wards$ward_code)]
  n_h <- table(as.character(d$ward_code))[as.character(d$ward_code)]
  d$ward_weight <- d$adult_population / as.numeric(n_h)
  d
}

# ---- estimators -----------------------------------------------------------------------------
satisfied_formula <- function(item) {
  as.formula(sprintf("~I(%s %%in%% c(%s))", item, paste(satisfied_codes, collapse = ", ")))
}
valid_subset <- function(design, item) {
  keep <- design$variables[[item]] %in% valid_codes
  design[keep, ]
}

record_proportion <- function(design_name, design, wave, item, full = TRUE) {
  valid <- valid_subset(design, item)
  m <- svymean(satisfied_formula(item), valid, deff = TRUE)
  record(design_name, wave, item, "", "", "estimate", coef(m)[2])
  record(design_name, wave, item, "", "", "se", SE(m)[2])
  if (!full) return(invisible(m))
  record(design_name, wave, item, "", "", "deff", deff(m)[2])
  satisfied <- satisfied_formula(item)
  ci <- eval(bquote(svyciprop(.(satisfied), valid, method = "logit")))
  ci_normal <- eval(bquote(svyciprop(.(satisfied), valid, method = "logit", df = Inf)))
  record(design_name, wave, item, "", "", "ci_low", attr(ci, "ci")[1])
  record(design_name, wave, item, "", "", "ci_high", attr(ci, "ci")[2])
  record(design_name, wave, item, "", "", "ci_low_normal", attr(ci_normal, "ci")[1])
  record(design_name, wave, item, "", "", "ci_high_normal", attr(ci_normal, "ci")[2])
  record(design_name, wave, item, "", "", "df", degf(valid))
  record(design_name, wave, item, "", "", "n_unweighted", sum(weights(valid) > 0))
  record(design_name, wave, item, "", "", "n_weighted", sum(weights(valid)))
  invisible(m)
}

record_subgroups <- function(design_name, design, wave, item, by) {
  valid <- valid_subset(design, item)
  est <- svyby(satisfied_formula(item), as.formula(paste("~", by)), valid, svymean,
               deff = TRUE)
  # svyby names the columns after the formula; the satisfied share is the TRUE column.
  column <- grep("TRUE$", names(est), value = TRUE)
  for (i in seq_len(nrow(est))) {
    group <- as.character(est[[by]][i])
    record(design_name, wave, item, by, group, "estimate", est[[column[1]]][i])
    record(design_name, wave, item, by, group, "se", est[[paste0("se.", column[1])]][i])
    record(design_name, wave, item, by, group, "deff", est[[paste0("DEff.", column[1])]][i])
  }
}

record_group_differences <- function(design_name, design, wave, item, by) {
  # Each category against the rest. The usual route, svyby(covmat = TRUE) then
  # svycontrast(group - rest), stops with "number of items to replace is not a multiple of
  # replacement length" on a subset of a raked design in survey 4.1.1, so the difference is
  # the slope of svyglm(satisfied ~ in_group): with one 0/1 regressor the slope is exactly
  # group minus rest and its linearised influence is that of the two domain means, raking
  # residuals and covariance between the domains included. The script checks the SE against
  # svyby(covmat = TRUE) + svycontrast() where that works (fixed weights) and against the
  # same computation done by hand where it does not (raked).
  valid <- valid_subset(design, item)
  categories <- sort(unique(as.character(valid$variables[[by]][weights(valid) > 0])),
                     method = "radix")  # radix: C-locale order, the same on every machine
  for (group in categories) {
    valid$variables$in_group <- as.numeric(as.character(valid$variables[[by]]) == group)
    valid$variables$satisfied <- as.numeric(valid$variables[[item]] %in% satisfied_codes)
    fit <- svyglm(satisfied ~ in_group, valid)
    difference <- unname(coef(fit)["in_group"])
    se <- unname(SE(fit)["in_group"])
    if (is.null(valid$postStrata)) {  # not calibrated
      est <- svyby(~satisfied, ~in_group, valid, svymean, covmat = TRUE)
      contrast <- svycontrast(est, c(`1` = 1, `0` = -1))
      check_se <- SE(contrast)
    } else {
      # What svyby(covmat = TRUE) would do: the difference of the two domain means'
      # influence functions, through the raking residuals and the variance of a total.
      in_group <- valid$variables$in_group == 1
      group_mean <- svymean(~satisfied, valid[in_group, ], influence = TRUE)
      rest_mean <- svymean(~satisfied, valid[!in_group, ], influence = TRUE)
      influence <- attr(group_mean, "influence") - attr(rest_mean, "influence")
      check_se <- sqrt(survey:::svyrecvar(influence, valid$cluster, valid$strata, valid$fpc,
                                          postStrata = valid$postStrata))
    }
    stopifnot(abs(check_se / se - 1) < 1e-10)
    # The test: R's design-based t-test, the same svyglm, t on its residual df
    # (degf(valid) + 1 - 2 coefficients), interval confint(fit) on the same df.
    test <- svyttest(satisfied ~ in_group, valid)
    stopifnot(abs(test$estimate - difference) < 1e-12,
              test$parameter == degf(valid) - 1, test$parameter == fit$df.residual)
    t <- unname(test$statistic)
    record(design_name, wave, item, by, group, "difference", difference, "group_minus_rest")
    record(design_name, wave, item, by, group, "se", se, "group_minus_rest")
    record(design_name, wave, item, by, group, "t", t, "group_minus_rest")
    record(design_name, wave, item, by, group, "df", test$parameter, "group_minus_rest")
    record(design_name, wave, item, by, group, "p_value", test$p.value, "group_minus_rest")
    record(design_name, wave, item, by, group, "ci_low", test$conf.int[1], "group_minus_rest")
    record(design_name, wave, item, by, group, "ci_high", test$conf.int[2], "group_minus_rest")
    record(design_name, wave, item, by, group, "p_value_normal", 2 * pnorm(-abs(t)),
           "group_minus_rest")
  }
}

record_mean <- function(design_name, design, wave, item) {
  # confint() of a svymean is normal unless given df; pmresearch passes degf, as svyciprop does.
  valid <- valid_subset(design, item)
  m <- svymean(as.formula(paste("~", item)), valid)
  df <- degf(valid)
  ci <- confint(m, df = df)
  ci_normal <- confint(m)
  record(design_name, wave, item, "", "", "estimate", coef(m)[1], "mean")
  record(design_name, wave, item, "", "", "se", SE(m)[1], "mean")
  record(design_name, wave, item, "", "", "df", df, "mean")
  record(design_name, wave, item, "", "", "ci_low", ci[1, 1], "mean")
  record(design_name, wave, item, "", "", "ci_high", ci[1, 2], "mean")
  record(design_name, wave, item, "", "", "ci_low_normal", ci_normal[1, 1], "mean")
  record(design_name, wave, item, "", "", "ci_high_normal", ci_normal[1, 2], "mean")
}

record_wave_change <- function(design_name, design_a, design_b, item) {
  # Two independent samples: no single R call covers two designs. The variance is the sum of
  # the waves' variances and its df the Welch-Satterthwaite combination of their degf.
  valid_a <- valid_subset(design_a, item)
  valid_b <- valid_subset(design_b, item)
  m_a <- svymean(satisfied_formula(item), valid_a)
  m_b <- svymean(satisfied_formula(item), valid_b)
  v_a <- SE(m_a)[2]^2
  v_b <- SE(m_b)[2]^2
  difference <- unname(coef(m_b)[2] - coef(m_a)[2])
  se <- unname(sqrt(v_a + v_b))
  df <- unname((v_a + v_b)^2 / (v_a^2 / degf(valid_a) + v_b^2 / degf(valid_b)))
  stopifnot(df >= min(degf(valid_a), degf(valid_b)), df <= degf(valid_a) + degf(valid_b))
  t <- difference / se
  half <- qt(0.975, df) * se
  record(design_name, "2025-2024", item, "", "", "difference", difference, "wave_change")
  record(design_name, "2025-2024", item, "", "", "se", se, "wave_change")
  record(design_name, "2025-2024", item, "", "", "t", t, "wave_change")
  record(design_name, "2025-2024", item, "", "", "df", df, "wave_change")
  record(design_name, "2025-2024", item, "", "", "p_value", 2 * pt(-abs(t), df), "wave_change")
  record(design_name, "2025-2024", item, "", "", "ci_low", difference - half, "wave_change")
  record(design_name, "2025-2024", item, "", "", "ci_high", difference + half, "wave_change")
  record(design_name, "2025-2024", item, "", "", "p_value_normal", 2 * pnorm(-abs(t)),
         "wave_change")
}

# ---- versions, first in the output ---------------------------------------------------------
rows[[1]] <- data.frame(quantity = "session", design = "", wave = "", item = "", by = "",
                        group = "", statistic = c("R", "survey"),
                        value = c(paste(R.version$major, R.version$minor, sep = "."),
                                  as.character(packageVersion("survey"))))

# ---- wave 2025 ------------------------------------------------------------------------------
wave2025 <- wave_data("2025")
raked2025 <- raked_design(wave2025)
fixed2025 <- fixed_design(raked2025)
calibrated2025 <- calibrated_design(wave2025)

stopifnot(max(abs(weights(calibrated2025) / weights(raked2025) - 1)) < 1e-9)
for (v in weighting_variables) {  # the raked weights reproduce every margin
  achieved <- tapply(weights(raked2025), raked2025$variables[[v]], sum)
  target <- setNames(margins$population[margins$variable == v],
                     margins$category[margins$variable == v])
  stopifnot(max(abs(achieved[names(target)] / target - 1)) < 1e-12)
}

write.csv(data.frame(respondent_id = wave2025$respondent_id,
                     weight = sprintf("%.17g", weights(raked2025))),
          file.path(out_dir, "r_raked_weights_2025.csv"), row.names = FALSE, quote = FALSE)

for (item in items) {
  record_proportion("raked", raked2025, "2025", item)
  record_proportion("fixed", fixed2025, "2025", item)
  record_proportion("calibrate_raking", calibrated2025, "2025", item, full = FALSE)
}
for (item in c("sat_council", "sat_street_clean")) {
  record_subgroups("raked", raked2025, "2025", item, "age_band")
  record_subgroups("fixed", fixed2025, "2025", item, "age_band")
}
record_subgroups("raked", raked2025, "2025", "sat_street_clean", "ward_code")
record_subgroups("raked", raked2025, "2025", "sat_council", "disability")

for (by in c("age_band", "disability")) {
  record_group_differences("raked", raked2025, "2025", "sat_council", by)
  record_group_differences("fixed", fixed2025, "2025", "sat_council", by)
}

# ---- change since 2024: independent samples, each wave raked on its own -----------------
wave2024 <- wave_data("2024")
raked2024 <- raked_design(wave2024)
for (item in c("sat_street_clean", "sat_libraries")) {
  record_proportion("raked", raked2024, "2024", item, full = FALSE)
  record_wave_change("raked", raked2024, raked2025, item)
}

# ---- stratified and clustered designs, without raking ----------------------------------------
ward2025 <- ward_design_data(wave2025)
stratified <- svydesign(ids = ~1, strata = ~ward_code, fpc = ~adult_population,
                        weights = ~ward_weight, data = ward2025)
clustered <- svydesign(ids = ~ward_code, weights = ~ward_weight, data = ward2025)
record_proportion("stratified", stratified, "2025", "sat_street_clean")
record_proportion("clustered", clustered, "2025", "sat_street_clean")

# ---- tests and intervals on t with the design's df: unclustered raked, stratified, clustered
ward2024 <- ward_design_data(wave2024)
stratified2024 <- svydesign(ids = ~1, strata = ~ward_code, fpc = ~adult_population,
                            weights = ~ward_weight, data = ward2024)
clustered2024 <- svydesign(ids = ~ward_code, weights = ~ward_weight, data = ward2024)
for (item in c("sat_street_clean", "sat_council")) {
  record_mean("raked", raked2025, "2025", item)
  record_mean("stratified", stratified, "2025", item)
  record_mean("clustered", clustered, "2025", item)
  record_wave_change("stratified", stratified2024, stratified, item)
  record_wave_change("clustered", clustered2024, clustered, item)
}
for (by in c("age_band", "disability")) {
  record_group_differences("stratified", stratified, "2025", "sat_council", by)
  record_group_differences("clustered", clustered, "2025", "sat_council", by)
}

# ---- write ----------------------------------------------------------------------------------
write.csv(do.call(rbind, rows), file.path(out_dir, "r_survey_reference.csv"),
          row.names = FALSE, quote = FALSE)
# The versions, and the MD5 of the inputs, so a test can tell when the demo data have changed
# since the values were recorded (then re-run this script).
inputs <- file.path(demo_dir, c("survey_responses.csv", "population_margins.csv", "wards.csv"))
writeLines(c(R.version.string, paste("survey", packageVersion("survey")),
             paste("Matrix", packageVersion("Matrix")),
             paste("md5", basename(inputs), unname(tools::md5sum(inputs)))),
           file.path(out_dir, "r_session_info.txt"))
