"""Tests that CI skips: the long fits among the statistical checks, each marked ``slow``.

The default suite (``.ci/run``) must finish in under 30 minutes on 2 cores. The tests named
here are the heaviest of it (10-160 s each on the reference machine, 2026-12-03, measured with
``pytest --durations=0``): case studies at full length, references that need long chains,
Gibbs-against-NUTS agreement and recovery over many parameters. ``pytest -m slow`` runs them.
A name without ``[...]`` marks every parameter of the test; a name that no longer matches a
test of its file fails ``tests/unit/test_slow_tests.py``, so the list cannot drift silently.
"""

SLOW_TESTS: dict[str, tuple[str, ...]] = {
    "tests/integration/test_case_studies.py": (
        "test_case_study_runs_and_its_checks_pass[sleepstudy]",
        "test_case_study_runs_and_its_checks_pass[hospital]",
        "test_case_study_runs_and_its_checks_pass[hsb]",
        "test_case_study_runs_and_its_checks_pass[epil]",
        "test_case_study_runs_and_its_checks_pass[oats]",
        "test_case_study_runs_and_its_checks_pass[cbpp]",
        "test_case_study_runs_and_its_checks_pass[split_plot]",
    ),
    "tests/integration/test_additions.py": (
        "test_meta_analysis_with_known_standard_errors_matches_the_exact_posterior",
    ),
    "tests/integration/test_reproducibility.py": (
        "test_a_cold_and_a_warm_compile_cache_give_the_same_draws",
    ),
    "tests/integration/test_power.py": (
        "test_power_agrees_with_the_analytic_power",
        "test_a_template_with_roles_gives_the_same_model",
    ),
    "tests/integration/test_family_references.py": (
        "test_hurdle_negbinomial_matches_pscl_on_nmes",
        "test_zero_inflated_negbinomial_matches_pscl_on_nmes",
        "test_hurdle_poisson_zero_part_matches_the_pscl_zero_hurdle_on_nmes",
        "test_cumulative_logit_matches_clmm_on_wine",
        "test_beta_binomial_matches_brms_on_cbpp",
    ),
    "tests/integration/test_jax_backend.py": (
        "test_rows_split_across_two_devices_give_the_same_posterior",
        "test_jax_gives_the_numba_posterior",
    ),
    "tests/integration/test_gibbs.py": (
        "test_gibbs_and_nuts_agree_on_the_shared_datasets[cbpp]",
        "test_gibbs_and_nuts_agree_on_the_shared_datasets[infection]",
        "test_gibbs_recovers_crossed_effects[negbinomial]",
        "test_gibbs_recovers_crossed_effects[bernoulli]",
        "test_gibbs_recovers_crossed_effects[binomial]",
        "test_gibbs_recovers_correlated_slopes",
    ),
    "tests/integration/test_batch.py": (
        "test_a_scheduler_address_runs_the_batch_on_separate_worker_processes",
        "test_a_store_resumes_without_refitting",
    ),
    "tests/integration/test_reference.py": (
        "test_posterior_means_match_brms[sleepstudy]",
        "test_infection_agrees_with_the_published_maximum_likelihood",
    ),
    "tests/unit/formula/test_properties.py": (
        "test_nesting_is_the_sum_of_its_levels",
        "test_any_level_names_give_one_level_each",
        "test_double_bar_is_separate_uncorrelated_terms",
    ),
    "tests/integration/test_hsb_reference.py": (
        "test_bivariate_model_matches_brms",
        "test_smooth_of_ses_matches_mgcv",
    ),
    "tests/integration/test_gp.py": (
        "test_poisson_gp_with_a_by_factor",
        "test_fitted_curve_matches_brms",
    ),
    "tests/integration/test_distributional.py": (
        "test_gaussian_sigma_with_its_own_slope_and_group_effect_is_recovered",
    ),
    "tests/integration/test_fit.py": (
        "test_pymc_sampler_agrees_with_nutpie",
        "test_set_data_refits_without_recompiling",
    ),
    "tests/integration/test_known_covariance.py": (
        "test_additive_variance_is_recovered_from_the_pedigree",
    ),
    "tests/integration/test_residual.py": ("test_compound_symmetry_residuals_are_recovered",),
    "tests/integration/test_comparison.py": (
        "test_bayes_r2_of_a_gaussian_model_matches_the_draws",
    ),
    "tests/integration/test_predict.py": ("test_gaussian_marginal_equals_none",),
    "tests/integration/test_compile_cache.py": (
        "test_a_fit_leaves_nothing_in_the_temporary_directory",
    ),
    "tests/integration/test_smooths.py": (
        "test_tensor_product_recovers_a_surface",
        "test_one_smooth_per_level_of_a_by_factor",
        "test_every_family_fits_a_smooth_in_its_mean[cumulative]",
    ),
    "tests/integration/test_mixture.py": ("test_group_intercepts_are_per_component",),
    "tests/integration/test_interrupt.py": (
        "test_gibbs_stops_at_a_real_ctrl_c",
        "test_a_failed_pymc_chain_keeps_the_other_chains",
    ),
    "tests/integration/test_recovery.py": (
        "test_no_truth_is_far_from_its_posterior",
        "test_95_percent_intervals_cover_the_truths",
    ),
    "tests/integration/test_sbc.py": (
        "test_ranks_are_integers_in_range_and_histograms_count_every_simulation",
        "test_wrong_likelihood_is_flagged",
        "test_the_same_data_and_draws_for_the_same_seed",
        "test_the_batch_engine_ranks_as_the_loop_does",
    ),
    "tests/integration/test_structures.py": (
        "test_pearson_ratio_flags_overdispersed_epil_and_clears_the_observation_effect",
    ),
    "tests/integration/test_hostile_catalogue.py": (
        "test_extreme_scales_fit_with_the_autoscaled_priors",
    ),
    "tests/integration/test_monotonic.py": ("test_posterior_matches_brms",),
}
