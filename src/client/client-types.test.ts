/**
 * The client declares its own copies of the domain types (it may only depend on src/shared; see the fences in
 * eslint.config.js). These compile-time checks fail `tsc` (and this file) as soon as a copy and the server's
 * type drift apart: same keys, and each assignable to the other.
 */
import { describe, expect, it } from 'vitest';
import type * as tracking from '../tracking/index.js';
import type * as registry from '../registry/index.js';
import type * as governance from '../registry/governance/index.js';
import type * as lineage from '../registry/lineage/index.js';
import type * as scanning from '../registry/scanning/index.js';
import * as domainTracking from '../tracking/index.js';
import * as domainRegistry from '../registry/index.js';
import type * as clientTracking from './tracking-types.js';
import type * as clientRegistry from './registry-types.js';
import { lifecycleStages, runStatuses } from './tracking-types.js';
import { modelStages } from './registry-types.js';

/** True when A and B have the same keys and each is assignable to the other. */
type Same<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? [A] extends [B]
      ? [B] extends [A]
        ? true
        : false
      : false
    : false
  : false;

/** Compiles only for `true`. */
function same<T extends true>(): T | undefined {
  return undefined;
}

// Tracking.
same<Same<clientTracking.Tag, tracking.Tag>>();
same<Same<clientTracking.LifecycleStage, tracking.LifecycleStage>>();
same<Same<clientTracking.Experiment, tracking.Experiment>>();
same<Same<clientTracking.Metric, tracking.Metric>>();
same<Same<clientTracking.RunStatus, tracking.RunStatus>>();
same<Same<clientTracking.RunInfo, tracking.RunInfo>>();
same<Same<clientTracking.Dataset, tracking.Dataset>>();
same<Same<clientTracking.DatasetInput, tracking.DatasetInput>>();
same<Same<clientTracking.ModelInput, tracking.ModelInput>>();
same<Same<clientTracking.ModelOutput, tracking.ModelOutput>>();
same<Same<clientTracking.Run, tracking.Run>>();
same<Same<clientTracking.ViewType, tracking.ViewType>>();
same<Same<clientTracking.CreateRunInput, tracking.CreateRunInput>>();
same<Same<clientTracking.UpdateRunInput, tracking.UpdateRunInput>>();
same<Same<clientTracking.LogBatchInput, tracking.LogBatchInput>>();
same<Same<clientTracking.MetricHistoryQuery, tracking.MetricHistoryQuery>>();
same<Same<clientTracking.SearchRunsQuery, tracking.SearchRunsQuery>>();
same<Same<clientTracking.Page<string>, tracking.Page<string>>>();
same<Same<clientTracking.SearchExperimentsQuery, Omit<tracking.SearchExperimentsQuery, 'visibility'>>>();

// Registry, governance, scanning, lineage (visibility is the server's own business).
same<Same<clientRegistry.ModelAlias, registry.ModelAlias>>();
same<Same<clientRegistry.ModelStage, registry.ModelStage>>();
same<Same<clientRegistry.ModelVersionStatus, registry.ModelVersionStatus>>();
same<Same<clientRegistry.ModelVersion, registry.ModelVersion>>();
same<Same<clientRegistry.RegisteredModel, registry.RegisteredModel>>();
same<Same<clientRegistry.CreateModelVersionInput, registry.CreateModelVersionInput>>();
same<Same<clientRegistry.CreateRegisteredModelInput, registry.CreateRegisteredModelInput>>();
same<Same<clientRegistry.ApprovalStatus, governance.ApprovalStatus>>();
same<Same<clientRegistry.Approval, governance.Approval>>();
same<Same<clientRegistry.BeatCurrent, governance.BeatCurrent>>();
same<Same<clientRegistry.ComparisonOp, governance.ComparisonOp>>();
same<Same<clientRegistry.MetricCondition, governance.MetricCondition>>();
same<Same<clientRegistry.PolicyInput, governance.PolicyInput>>();
same<Same<clientRegistry.PromotionCheck, governance.PromotionCheck>>();
same<Same<clientRegistry.PromotionPolicy, governance.PromotionPolicy>>();
same<Same<clientRegistry.ScanFindingKind, scanning.ScanFindingKind>>();
same<Same<clientRegistry.Severity, scanning.Severity>>();
same<Same<clientRegistry.ScanFinding, scanning.ScanFinding>>();
same<Same<clientRegistry.ScanVerdict, scanning.ScanVerdict>>();
same<Same<clientRegistry.ScanStatus, scanning.ScanStatus>>();
same<Same<clientRegistry.ScanRecord, governance.ScanRecord>>();
same<Same<clientRegistry.ModelVersionRef, lineage.ModelVersionRef>>();
same<Same<clientRegistry.DatasetLineage, lineage.DatasetLineage>>();
same<Same<clientRegistry.DatasetRef, lineage.DatasetRef>>();
same<Same<clientRegistry.LineageDataset, lineage.LineageDataset>>();
same<Same<clientRegistry.CodeVersion, lineage.CodeVersion>>();
same<Same<clientRegistry.RunLineage, lineage.RunLineage>>();
same<Same<clientRegistry.LoggedModelLineage, lineage.LoggedModelLineage>>();
same<Same<clientRegistry.ModelVersionLineage, lineage.ModelVersionLineage>>();
same<Same<clientRegistry.SearchRegistryQuery, Omit<registry.SearchRegistryQuery, 'visibility'>>>();

describe('client types', () => {
  it('list the same enumerations as the domain', () => {
    expect(lifecycleStages).toEqual(domainTracking.lifecycleStages);
    expect(runStatuses).toEqual(domainTracking.runStatuses);
    expect(modelStages).toEqual(domainRegistry.modelStages);
  });
});
