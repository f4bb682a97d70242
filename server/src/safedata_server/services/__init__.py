"""The service layer: every operation of the server, called by the REST routes and the web pages alike.

Each operation is a plain function ``op(ctx, ...)``: ``ctx`` is a
:class:`~safedata_server.services.context.Ctx` (an open database transaction,
the calling :class:`~safedata_server.auth.Principal`, the process
:class:`~safedata_server.services.context.Runtime`). Each checks the caller's
role itself, keeps to the caller's project (another project's id raises
``NotFound``), writes the audit event in the same transaction, and raises a
``ServiceError`` (``status`` = HTTP code) for a refusal. Open a ctx with
:func:`safedata_server.services.session.service_ctx`; jobs a call queued
start when that ctx commits.

Public operations:

* ``keys``: ``create_project(ctx, name)``, ``create_key(ctx, name, role)``, ``list_keys(ctx)``,
  ``revoke_key(ctx, key_id)``, ``bootstrap(rt, session)``
* ``datasets``: ``upload_dataset(ctx, filename, content, name=, epsilon=, delta=, metadata=)``,
  ``list_datasets(ctx)``,
  ``get_dataset(ctx, id)``, ``delete_dataset(ctx, id)`` (crypto-erase), ``profile_dataset(ctx, id)``,
  ``detect_pii(ctx, id)``, ``set_metadata(ctx, id, metadata)``, ``set_budget(ctx, id, epsilon=, delta=)``,
  ``ledger(ctx, id)``
* ``generators``: ``validate_config(ctx, body)``, ``start_generation(ctx, dataset_id, body)``,
  ``list_generators(ctx)``, ``get_generator(ctx, id)``, ``cancel(ctx, id)``, ``download(ctx, id)`` (CSV bytes),
  ``release_package(ctx, id)`` (zip bytes), ``privacy_report(ctx, id)``, ``compliance_report(ctx, id, framework)``,
  ``model_card(ctx, id)``, ``audit_narrative(ctx, id)``, ``internal_report(ctx, id)``
* ``evaluations``: ``start_evaluation(ctx, generator_id, metrics, params)``, ``get_evaluation(ctx, id)``
* ``pipelines``: ``run_pipeline(ctx, document)``, ``get_pipeline_job(ctx, id)``
* ``budget``: ``reserve(ctx, dataset, epsilon=, delta=, purpose=, component=)``, ``ledger_view(ctx, dataset)``
* ``audit``: ``record(ctx, action, obj=, epsilon=)``, ``list_events(ctx)``, ``verify_chain(session, key)``
* ``system``: ``list_plugins(ctx)``, ``health(rt)``, ``metrics_text(rt)``, ``verify_audit(ctx)``
"""

from __future__ import annotations
