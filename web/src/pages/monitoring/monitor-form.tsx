import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { getRegisteredModel, listModelVersions } from '../../api/registry';
import { ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { createMonitor, listReferences, type Monitor, type NewMonitor } from './monitoring-api';

const units = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;
type Unit = keyof typeof units;
const isUnit = (u: string): u is Unit => u in units;

type Fields = Record<
  | 'name'
  | 'target'
  | 'reference'
  | 'window'
  | 'windowUnit'
  | 'schedule'
  | 'scheduleUnit'
  | 'columns'
  | 'preset'
  | 'driftShare'
  | 'columnThresholds'
  | 'task'
  | 'accuracy'
  | 'f1'
  | 'rmse'
  | 'mae'
  | 'minRows'
  | 'fireAfter'
  | 'resolveAfter'
  | 'segmentBy'
  | 'maxSegments'
  | 'segmentAlerts',
  string
>;

const empty: Fields = {
  name: '',
  target: '',
  reference: '',
  window: '60',
  windowUnit: 'minutes',
  schedule: '',
  scheduleUnit: 'minutes',
  columns: '',
  preset: 'evidently',
  driftShare: '',
  columnThresholds: '',
  task: '',
  accuracy: '',
  f1: '',
  rmse: '',
  mae: '',
  minRows: '',
  fireAfter: '',
  resolveAfter: '',
  segmentBy: '',
  maxSegments: '',
  segmentAlerts: '',
};

/** A field read as a number (empty: absent). Only the form's own shape is checked here: ranges are the server's. */
function numberOf(text: string, label: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new Error(`${label}: '${t}' is not a number`);
  return n;
}

/** "x=0.1, city=0.2" ⇒ { x: 0.1, city: 0.2 }. */
function thresholdsOf(text: string): Record<string, number> | undefined {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return undefined;
  const out: Record<string, number> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    const column = eq === -1 ? '' : part.slice(0, eq).trim();
    const value = numberOf(eq === -1 ? '' : part.slice(eq + 1), `Column thresholds (${part})`);
    if (column === '' || value === undefined) {
      throw new Error(`Column thresholds: write column=threshold, got '${part}'`);
    }
    out[column] = value;
  }
  return out;
}

/** The request the form describes, or an error naming the field the form could not read. */
export function monitorRequest(f: Fields): NewMonitor {
  const [kind, ...rest] = f.target.split(':');
  const target = rest.join(':');
  const windowUnit = isUnit(f.windowUnit) ? units[f.windowUnit] : units.minutes;
  const scheduleUnit = isUnit(f.scheduleUnit) ? units[f.scheduleUnit] : units.minutes;
  const window = numberOf(f.window, 'Window');
  if (window === undefined) throw new Error('Window: give its length');
  const schedule = numberOf(f.schedule, 'Schedule');
  const columns = f.columns
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const thresholds = {
    ...(numberOf(f.accuracy, 'Accuracy') !== undefined ? { accuracy: numberOf(f.accuracy, 'Accuracy') } : {}),
    ...(numberOf(f.f1, 'F1') !== undefined ? { f1: numberOf(f.f1, 'F1') } : {}),
    ...(numberOf(f.rmse, 'RMSE') !== undefined ? { rmse: numberOf(f.rmse, 'RMSE') } : {}),
    ...(numberOf(f.mae, 'MAE') !== undefined ? { mae: numberOf(f.mae, 'MAE') } : {}),
  } as Partial<Record<'accuracy' | 'f1' | 'rmse' | 'mae', number>>;
  const driftShare = numberOf(f.driftShare, 'Drift share');
  const columnThresholds = thresholdsOf(f.columnThresholds);
  const minRows = numberOf(f.minRows, 'Minimum rows');
  const fireAfter = numberOf(f.fireAfter, 'Fire after');
  const resolveAfter = numberOf(f.resolveAfter, 'Resolve after');
  const segmentBy = f.segmentBy.trim();
  const maxSegments = numberOf(f.maxSegments, 'Segments at most');
  return {
    name: f.name.trim(),
    ...(kind === 'alias' ? { alias: target } : kind === 'version' ? { version: target } : {}),
    reference_id: f.reference,
    window_ms: Math.round(window * windowUnit),
    ...(schedule !== undefined ? { schedule_ms: Math.round(schedule * scheduleUnit) } : {}),
    ...(columns.length > 0 ? { columns } : {}),
    config: {
      ...(f.preset === 'bosun' || f.preset === 'evidently' ? { preset: f.preset } : {}),
      ...(driftShare !== undefined ? { drift_share: driftShare } : {}),
      ...(columnThresholds !== undefined ? { column_thresholds: columnThresholds } : {}),
      ...(f.task === 'classification' || f.task === 'regression' ? { task: f.task } : {}),
      ...(Object.keys(thresholds).length > 0 ? { performance_thresholds: thresholds } : {}),
      ...(minRows !== undefined ? { min_rows: minRows } : {}),
      ...(fireAfter !== undefined ? { fire_after: fireAfter } : {}),
      ...(resolveAfter !== undefined ? { resolve_after: resolveAfter } : {}),
      ...(segmentBy !== '' ? { segment_by: segmentBy } : {}),
      ...(segmentBy !== '' && maxSegments !== undefined ? { max_segments: maxSegments } : {}),
      ...(segmentBy !== '' && f.segmentAlerts === 'yes' ? { segment_alerts: true } : {}),
    },
  };
}

/** One labelled field of the form. */
function Field({
  id,
  label,
  hint,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  children: ReactNode;
}): ReactNode {
  return (
    <div className="monitor-field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint !== undefined && (
        <span className="muted" id={`${id}-hint`}>
          {hint}
        </span>
      )}
    </div>
  );
}

/**
 * "New monitor" for a registered model (POST /api/bosun/v1/monitoring/models/{name}/monitors): a name, the alias
 * or version it watches, the reference, the window and schedule, the columns, the preset and thresholds, and
 * how many windows fire and resolve an alert. The server validates; its message is shown in place.
 */
export function MonitorForm({
  modelName,
  onCreated,
}: {
  modelName: string;
  onCreated: (monitor: Monitor) => void;
}): ReactNode {
  const [choices] = useAsync(
    async (signal) => {
      const [model, versions, references] = await Promise.all([
        getRegisteredModel(modelName, signal),
        listModelVersions(modelName, signal),
        listReferences(modelName, signal),
      ]);
      return { aliases: model.aliases, versions: versions.map((v) => v.version), references };
    },
    [modelName],
  );
  const [fields, setFields] = useState<Fields>(empty);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (choices.status === 'loading') return <Loading what="references and versions" />;
  if (choices.status === 'error') {
    return <ErrorMessage title="Could not load the model's references" message={choices.message} />;
  }
  const { aliases, versions, references } = choices.value;
  const target =
    fields.target !== ''
      ? fields.target
      : aliases[0] !== undefined
        ? `alias:${aliases[0].alias}`
        : versions[0] !== undefined
          ? `version:${versions[0]}`
          : '';
  const reference = fields.reference !== '' ? fields.reference : (references[0]?.id ?? '');
  const columnsOf = references.find((r) => r.id === reference)?.columns.map((c) => c.name) ?? [];
  const categoricalOf =
    references
      .find((r) => r.id === reference)
      ?.columns.filter((c) => c.type === 'categorical')
      .map((c) => c.name) ?? [];
  const set =
    (key: keyof Fields) =>
    (e: { target: { value: string } }): void =>
      setFields({ ...fields, [key]: e.target.value });
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    setError(undefined);
    let request: NewMonitor;
    try {
      request = monitorRequest({ ...fields, target, reference });
    } catch (err) {
      setError(errorMessage(err));
      return;
    }
    setBusy(true);
    createMonitor(modelName, request).then(
      (monitor) => {
        setBusy(false);
        setFields(empty);
        onCreated(monitor);
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorMessage(err));
      },
    );
  };
  if (references.length === 0) {
    return (
      <p className="muted">
        This model has no reference dataset yet: store one through the monitoring API (see docs/monitoring.md,
        "References") before creating a monitor.
      </p>
    );
  }
  const numberField = (key: keyof Fields, label: string, hint?: string): ReactNode => (
    <Field id={`monitor-${key}`} label={label} {...(hint !== undefined ? { hint } : {})}>
      <input
        id={`monitor-${key}`}
        inputMode="decimal"
        value={fields[key]}
        onChange={set(key)}
        {...(hint !== undefined ? { 'aria-describedby': `monitor-${key}-hint` } : {})}
      />
    </Field>
  );
  return (
    <form className="monitor-form" onSubmit={onSubmit} aria-labelledby="new-monitor-title">
      <fieldset>
        <legend>What it watches</legend>
        <Field id="monitor-name" label="Name">
          <input id="monitor-name" value={fields.name} onChange={set('name')} required />
        </Field>
        <Field id="monitor-target" label="Model">
          <select id="monitor-target" value={target} onChange={set('target')}>
            {aliases.map((a) => (
              <option key={`alias:${a.alias}`} value={`alias:${a.alias}`}>
                @{a.alias} (now version {a.version})
              </option>
            ))}
            {versions.map((v) => (
              <option key={`version:${v}`} value={`version:${v}`}>
                version {v}
              </option>
            ))}
          </select>
        </Field>
        <Field id="monitor-reference" label="Reference">
          <select id="monitor-reference" value={reference} onChange={set('reference')}>
            {references.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({r.rows} rows{r.version === null ? '' : `, version ${r.version}`})
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="monitor-columns"
          label="Columns"
          hint={`comma-separated; empty: all (${columnsOf.join(', ')})`}
        >
          <input
            id="monitor-columns"
            value={fields.columns}
            onChange={set('columns')}
            aria-describedby="monitor-columns-hint"
          />
        </Field>
      </fieldset>
      <fieldset>
        <legend>Windows</legend>
        <Field id="monitor-window" label="Window">
          <input
            id="monitor-window"
            inputMode="decimal"
            value={fields.window}
            onChange={set('window')}
            required
          />
          <select aria-label="Window unit" value={fields.windowUnit} onChange={set('windowUnit')}>
            {Object.keys(units).map((u) => (
              <option key={u}>{u}</option>
            ))}
          </select>
        </Field>
        <Field id="monitor-schedule" label="Run every" hint="empty: on demand">
          <input
            id="monitor-schedule"
            inputMode="decimal"
            value={fields.schedule}
            onChange={set('schedule')}
            aria-describedby="monitor-schedule-hint"
          />
          <select aria-label="Schedule unit" value={fields.scheduleUnit} onChange={set('scheduleUnit')}>
            {Object.keys(units).map((u) => (
              <option key={u}>{u}</option>
            ))}
          </select>
        </Field>
        {numberField('minRows', 'Minimum rows', 'fewer: insufficient data (default 10)')}
      </fieldset>
      <fieldset>
        <legend>Drift</legend>
        <Field id="monitor-preset" label="Preset">
          <select id="monitor-preset" value={fields.preset} onChange={set('preset')}>
            <option value="evidently">evidently (Evidently's defaults)</option>
            <option value="bosun">bosun</option>
          </select>
        </Field>
        {numberField(
          'driftShare',
          'Drift share',
          "dataset drift from this share of drifted columns (preset's default)",
        )}
        <Field
          id="monitor-columnThresholds"
          label="Column thresholds"
          hint="column=threshold, comma-separated"
        >
          <input
            id="monitor-columnThresholds"
            value={fields.columnThresholds}
            onChange={set('columnThresholds')}
            aria-describedby="monitor-columnThresholds-hint"
          />
        </Field>
      </fieldset>
      <fieldset>
        <legend>Performance (once labels arrive)</legend>
        <Field id="monitor-task" label="Task">
          <select id="monitor-task" value={fields.task} onChange={set('task')}>
            <option value="">none</option>
            <option value="classification">classification</option>
            <option value="regression">regression</option>
          </select>
        </Field>
        {numberField('accuracy', 'Accuracy', 'alert below')}
        {numberField('f1', 'F1', 'macro; alert below')}
        {numberField('rmse', 'RMSE', 'alert above')}
        {numberField('mae', 'MAE', 'alert above')}
      </fieldset>
      <fieldset>
        <legend>Segments</legend>
        <Field
          id="monitor-segmentBy"
          label="Segment by"
          hint="a categorical column: each window is also judged per value"
        >
          <select
            id="monitor-segmentBy"
            value={fields.segmentBy}
            onChange={set('segmentBy')}
            aria-describedby="monitor-segmentBy-hint"
          >
            <option value="">no segments</option>
            {categoricalOf.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </Field>
        {fields.segmentBy !== '' && (
          <>
            {numberField(
              'maxSegments',
              'Segments at most',
              'the most frequent values; the rest: __other__ (default 10)',
            )}
            <Field id="monitor-segmentAlerts" label="Alert per segment">
              <select id="monitor-segmentAlerts" value={fields.segmentAlerts} onChange={set('segmentAlerts')}>
                <option value="">no: alerts on whole windows only</option>
                <option value="yes">yes: each segment fires its own alerts</option>
              </select>
            </Field>
          </>
        )}
      </fieldset>
      <fieldset>
        <legend>Alerts</legend>
        {numberField('fireAfter', 'Fire after', 'breaching windows in a row (default 1)')}
        {numberField('resolveAfter', 'Resolve after', 'clean windows in a row (default 1)')}
      </fieldset>
      <div className="toolbar">
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create monitor'}
        </button>
      </div>
      {error !== undefined && <ErrorMessage title="Refused" message={error} />}
    </form>
  );
}
