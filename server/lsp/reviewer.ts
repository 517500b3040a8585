// Background reviews by the larger model: one starts after every applied Spark edit (and on demand), its
// findings become `spark-review` diagnostics, kept in step with the user's changes. Owns the review state
// per file, and tells the status when a review starts or ends; the prompt, the answer's schema and the
// mapping of findings are pure (server/review/).
//
// Invariants: at most one review per file counts at a time: a newer review of a file supersedes the one in
// flight (its answer is not shown for that file, and it is cancelled when no file of it is left). The
// findings published for a file are the last review's, mapped to the document as it is now (a file that is
// not open: to its text on disk as the last file event found it): a finding whose lines changed is gone. A
// review never edits anything. After the endpoint refused the review model, no review is sent until the
// review settings (or the endpoint) change.
import { MessageType, type CancellationToken, type Diagnostic } from 'vscode-languageserver';
import { extname } from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Config } from '../config/schema.js';
import { languageOfPath, outlineSymbols, type Parsers, type SymbolSpan } from '../context/cross-file/index.js';
import { placeFindings, toDiagnostic, type ReviewedFile } from '../review/findings.js';
import { lineEditsBetween, lineEditsOfChanges, mapLines, type ContentChange, type LineEdit, type Lines } from '../review/line-map.js';
import { buildReviewPrompt } from '../review/prompt.js';
import { parseReview, REVIEW_TEXT_FORMAT, type Finding } from '../review/schema.js';
import type { FileChange } from '../edits/apply-patch.js';
import { changedFilesOf, type ChangedFile } from '../review/changes.js';
import type { GenerateResult, SparkClient } from '../spark/api.js';
import { Priority } from '../spark/api.js';
import { isSparkError, SparkError, SparkErrorCode } from '../spark/errors.js';
import type { ServerContext } from './context.js';
import type { ReviewsReport } from './status.js';
import { syntaxParsers } from './syntax.js';
import { promptPath } from './uri.js';
import { ensureMayUse, mayUse } from './workspace.js';
import { workspacePolicy } from '../workspace/policy.js';
import type { IndexChange } from '../workspace/workspace-index.js';
import { read } from '../workspace/read.js';

/** An expected edit (handed out by code action resolve) is forgotten after this many changes that are not it. */
const EXPECT_CHANGES = 8;

export interface ReviewOutcome {
  /** False when nothing was sent (reviews are off). */
  reviewed: boolean;
  /** Findings published for the files of this review. */
  findings: number;
}

/** A finding as published: its lines in the coordinates of the file state's `text`. */
interface Published {
  finding: Finding;
  lines: Lines;
}

interface FileState {
  findings: Published[];
  /** The text the findings' lines refer to (the document as last seen). */
  text: string;
}

interface Run {
  readonly id: number;
  readonly files: ChangedFile[];
  /** Per file, the generation this run holds; a newer run of the file bumps it. */
  readonly generations: Map<string, number>;
  readonly controller: AbortController;
  /** Started by an applied edit: the editor may report the edit itself after the answer. */
  readonly afterEdit: boolean;
}

interface Expected {
  instruction: string;
  files: ChangedFile[];
  /** The text the document will have once the editor applied the edit. */
  text: string;
  misses: number;
}

/** The file's functions and classes, when its language has a parser. */
function outlineOf(p: Parsers | undefined, path: string, text: string): SymbolSpan[] | undefined {
  const language = languageOfPath(path);
  if (p === undefined || language === undefined || !p.languages.includes(language)) return undefined;
  return outlineSymbols(p, { path, text, language });
}

export class Reviewer {
  private readonly states = new Map<string, FileState>();
  private readonly generations = new Map<string, number>();
  private readonly runs = new Set<Run>();
  /** The last saved text of each open document (its text at open, then at each save). */
  private readonly savedTexts = new Map<string, string>();
  private readonly expected = new Map<string, Expected>();
  private refusedModel: string | undefined;
  /** The refusal was told to the user (once per refusal). */
  private refusalShown = false;
  private nextId = 1;
  /** Reviews sent since the server started (for tests and logs). */
  started = 0;
  private last: ReviewsReport['last'] = null;
  /** Re-reads of files that are not open, one after the other (their findings follow the disk). */
  private rereads: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: ServerContext) {}

  /** For spark.status: the reviews in flight, and how the last one ended. */
  report(): ReviewsReport {
    return { running: this.runs.size, last: this.last };
  }

  /** After the editor applied a Spark edit: review its changes in the background (when reviews after edits are on). */
  afterEdit(instruction: string, changes: readonly FileChange[]): void {
    this.reviewAfterEdit(instruction, changedFilesOf(changes, (uri) => this.languageOf(uri)));
  }

  /**
   * After code action resolve handed an edit to the editor, which applies it itself: review it once the first
   * document it changes shows exactly the edited text (the next resolve for the document, or a few other
   * changes, drop it).
   */
  expect(instruction: string, changes: readonly FileChange[]): void {
    const files = changedFilesOf(changes, (uri) => this.languageOf(uri));
    for (const file of files) this.expected.delete(file.uri);
    const primary = files.find((f) => this.ctx.documents.get(f.uri));
    if (!primary || !this.ctx.config.review.enabled || !this.ctx.config.review.afterEdit) return;
    this.expected.set(primary.uri, { instruction, files, text: primary.after, misses: 0 });
  }

  private reviewAfterEdit(instruction: string, files: ChangedFile[]): void {
    const review = this.ctx.config.review;
    if (!review.enabled || !review.afterEdit || files.length === 0) return;
    if (this.refusedModel === review.model) return;
    this.start(instruction, files, undefined, true).catch((e: unknown) => this.backgroundFailure(e));
  }

  /** The open document's language id, else the file's extension. */
  private languageOf(uri: string): string {
    return this.ctx.documents.get(uri)?.languageId ?? (extname(promptPath(uri)).slice(1) || 'text');
  }

  /** spark.review: reviews the unsaved changes of a document, or the document (or range) as it is. */
  async onDemand(target: { uri: string; range?: { start: { line: number }; end: { line: number } } | undefined }, token: CancellationToken): Promise<ReviewOutcome> {
    const review = this.ctx.config.review;
    if (!review.enabled) {
      this.ctx.showMessage(MessageType.Info, 'Spark: reviews are off (spark.review.enabled is false).');
      return { reviewed: false, findings: 0 };
    }
    if (this.refusedModel === review.model) throw new SparkError(SparkErrorCode.ModelRefused, refusal(review.model));
    ensureMayUse(this.ctx, target.uri);
    const policy = workspacePolicy(this.ctx.workspaceFolders, this.ctx.config);
    const doc = this.ctx.documents.get(target.uri);
    let file: ChangedFile;
    if (doc) {
      // The last saved state: the file on disk, else the text at open or at the last didSave.
      const disk = await read(policy, target.uri).then((s) => s.text, () => undefined);
      const saved = disk ?? this.savedTexts.get(target.uri);
      const text = doc.getText();
      file = { uri: doc.uri, languageId: doc.languageId, before: saved !== undefined && saved !== text ? saved : null, after: text };
    } else {
      // A file that is not open is reviewed as it is on disk (refused like any read of the workspace).
      const snapshot = await read(policy, target.uri);
      file = { uri: target.uri, languageId: this.languageOf(target.uri), before: null, after: snapshot.text };
    }
    const focus = target.range ? { start: target.range.start.line, end: Math.max(target.range.start.line, target.range.end.line) } : undefined;
    const cancel = token.onCancellationRequested(() => this.cancelRunsOf(target.uri));
    try {
      return await this.start(undefined, [file], focus, false);
    } finally {
      cancel.dispose();
    }
  }

  opened(doc: TextDocument): void {
    this.savedTexts.set(doc.uri, doc.getText());
    const state = this.states.get(doc.uri);
    if (state && state.text !== doc.getText()) this.remap(doc.uri, state, lineEditsBetween(state.text, doc.getText()), doc.getText());
  }

  saved(doc: TextDocument): void {
    this.savedTexts.set(doc.uri, doc.getText());
  }

  changed(doc: TextDocument, change: { changes: readonly ContentChange[]; before: string }): void {
    const text = doc.getText();
    const expected = this.expected.get(doc.uri);
    if (expected) {
      if (text === expected.text) {
        this.expected.delete(doc.uri);
        this.reviewAfterEdit(expected.instruction, expected.files);
      } else if (++expected.misses >= EXPECT_CHANGES) {
        this.expected.delete(doc.uri);
      }
    }
    const state = this.states.get(doc.uri);
    if (!state) return;
    const edits = state.text === change.before ? lineEditsOfChanges(change.changes, change.before, text) : lineEditsBetween(state.text, text);
    this.remap(doc.uri, state, edits, text);
  }

  /**
   * Files changed or deleted on disk (the client's file events, through the workspace index): the findings of a
   * file that is not open follow its new text, as they follow an open document's changes; a deleted file's go.
   */
  filesChanged(change: IndexChange): void {
    const unopened = (uri: string) => this.states.has(uri) && !this.ctx.documents.get(uri);
    for (const uri of change.deleted.filter(unopened)) {
      this.states.delete(uri);
      this.publish(uri, []);
    }
    const changed = change.changed.filter(unopened);
    if (changed.length === 0) return;
    this.rereads = this.rereads
      .then(() => this.reread(changed))
      .catch((e: unknown) => this.ctx.log.error(`review: re-reading ${changed.join(', ')} failed: ${e instanceof Error ? e.message : String(e)}`));
  }

  private async reread(uris: readonly string[]): Promise<void> {
    const policy = workspacePolicy(this.ctx.workspaceFolders, this.ctx.config);
    for (const uri of uris) {
      const text = await read(policy, uri).then((snapshot) => snapshot.text, () => undefined);
      const state = this.states.get(uri);
      // Opened meanwhile: the document leads from now on.
      if (state === undefined || this.ctx.documents.get(uri)) continue;
      if (text === undefined) {
        // Gone, or no longer readable (excluded, too large): its findings can no longer be placed.
        this.states.delete(uri);
        this.publish(uri, []);
      } else {
        this.remap(uri, state, lineEditsBetween(state.text, text), text);
      }
    }
  }

  closed(doc: TextDocument): void {
    this.savedTexts.delete(doc.uri);
    this.expected.delete(doc.uri);
    this.supersede([doc.uri]);
    this.ctx.status.reviewsChanged();
    if (this.states.delete(doc.uri)) this.publish(doc.uri, []);
  }

  /** Settings changed: a changed review model or endpoint lifts a refusal; turning reviews off clears them. */
  configChanged(previous: Config): void {
    const now = this.ctx.config;
    if (JSON.stringify(previous.review) !== JSON.stringify(now.review) || previous.baseUrl !== now.baseUrl || previous.apiKey !== now.apiKey) {
      this.refusedModel = undefined;
      this.refusalShown = false;
    }
    if (!now.review.enabled) this.clearAll();
  }

  /** Cancels every review and forgets every finding (without publishing: the connection is going away). */
  dispose(): void {
    for (const run of this.runs) run.controller.abort('disposed');
    this.runs.clear();
    this.states.clear();
  }

  private clearAll(): void {
    for (const run of this.runs) run.controller.abort('reviews turned off');
    this.runs.clear();
    this.ctx.status.reviewsChanged();
    this.expected.clear();
    for (const uri of [...this.states.keys()]) {
      this.states.delete(uri);
      this.publish(uri, []);
    }
  }

  private async start(instruction: string | undefined, changed: ChangedFile[], focus: Lines | undefined, afterEdit: boolean): Promise<ReviewOutcome> {
    const spark = this.ctx.spark;
    if (spark instanceof Error) throw spark;
    const files = changed.filter((f) => mayUse(this.ctx, f.uri));
    if (files.length === 0) return { reviewed: false, findings: 0 };
    const syntax = await syntaxParsers(this.ctx.log);
    const run: Run = { id: this.nextId++, files, generations: new Map(), controller: new AbortController(), afterEdit };
    this.started++;
    this.supersede(files.map((f) => f.uri));
    for (const f of files) run.generations.set(f.uri, this.bump(f.uri));
    this.runs.add(run);
    this.ctx.status.reviewsChanged();
    const reviewed: ReviewedFile[] = files.map((f) => ({ uri: f.uri, path: promptPath(f.uri), text: f.after }));
    try {
      const outcome = this.finish(run, await this.send(spark, run, reviewed, instruction, focus, syntax), reviewed);
      this.last = { at: new Date().toISOString(), findings: outcome.findings, error: null };
      return outcome;
    } catch (e) {
      if (!isSparkError(e, SparkErrorCode.Cancelled)) {
        const error = e instanceof SparkError ? { code: e.code, message: e.message } : { code: 'internal-error', message: e instanceof Error ? e.message : String(e) };
        this.last = { at: new Date().toISOString(), findings: null, error };
      }
      throw e;
    } finally {
      this.runs.delete(run);
      this.ctx.status.reviewsChanged();
    }
  }

  /** Sends the review of `reviewed` (the files of `run`) and waits for the model's answer. */
  private async send(
    spark: SparkClient,
    run: Run,
    reviewed: ReviewedFile[],
    instruction: string | undefined,
    focus: Lines | undefined,
    syntax: Parsers | undefined,
  ): Promise<GenerateResult> {
    const review = this.ctx.config.review;
    const prompt = buildReviewPrompt({
      instruction,
      files: run.files.map((f, i) => {
        const outline = outlineOf(syntax, reviewed[i]!.path, f.after);
        return { path: reviewed[i]!.path, languageId: f.languageId, before: f.before, after: f.after, ...(outline ? { outline } : {}) };
      }),
      ...(focus ? { focus } : {}),
      budgetTokens: this.ctx.config.context.budgetTokens,
    });
    this.ctx.log.debug(`review #${run.id} of ${reviewed.map((f) => f.path).join(', ')} started (${review.model})`);
    try {
      return await spark.generate({
        instructions: prompt.instructions,
        input: prompt.input,
        maxOutputTokens: review.maxOutputTokens,
        // The lowest priority; the pool never gives a review the last free lane.
        priority: Priority.Review,
        deadline: Date.now() + review.timeoutMs,
        affinity: run.files[0]!.uri,
        signal: run.controller.signal,
        model: review.model,
        reasoningEffort: review.reasoningEffort,
        textFormat: { ...REVIEW_TEXT_FORMAT },
        promptCacheKey: this.ctx.warmth.cacheKey(run.files[0]!.uri),
      });
    } catch (e) {
      if (!isRefusal(e)) throw e;
      this.refusedModel = review.model;
      throw new SparkError(SparkErrorCode.ModelRefused, `${refusal(review.model)} (${(e as SparkError).message})`);
    }
  }

  private finish(run: Run, result: GenerateResult, reviewed: ReviewedFile[]): ReviewOutcome {
    const usage = result.usage ? ` (${result.usage.inputTokens} in, ${result.usage.cachedTokens} cached, ${result.usage.outputTokens} out)` : '';
    if (result.status === 'incomplete') {
      throw new SparkError(SparkErrorCode.Incomplete, `review #${run.id} was cut short${usage} (spark.review.maxOutputTokens); it was dropped`);
    }
    const parsed = parseReview(result.text);
    if (!parsed.ok) {
      throw new SparkError(SparkErrorCode.Protocol, `review #${run.id} answered a malformed review (${parsed.reason}); it was dropped`);
    }
    const current = reviewed.filter((f) => this.generations.get(f.uri) === run.generations.get(f.uri));
    const placement = placeFindings(parsed.review.findings, current);
    for (const d of placement.dropped) this.ctx.log.debug(`review #${run.id}: finding "${d.title}" dropped: ${d.reason}`);
    let shown = 0;
    for (const file of current) {
      const mine = placement.placed.filter((p) => p.uri === file.uri).map((p) => ({ finding: p.finding, lines: p.lines }));
      shown += this.show(run, file, mine);
    }
    this.ctx.log.info(
      `review #${run.id}: ${parsed.review.overall_correctness}; ${shown} finding(s) shown of ${parsed.review.findings.length}${usage}`,
    );
    return { reviewed: true, findings: shown };
  }

  /** Publishes a file's findings, mapped to the document as it is now; returns how many survived. */
  private show(run: Run, file: ReviewedFile, findings: Published[]): number {
    const doc = this.ctx.documents.get(file.uri);
    let state: FileState = { findings, text: file.text };
    if (doc && doc.getText() !== file.text) {
      const before = run.files.find((f) => f.uri === file.uri)?.before;
      // The editor may report an applied edit after the review's answer: the findings wait in its coordinates.
      const notYet = run.afterEdit && before === doc.getText();
      if (!notYet) state = { findings: mapAll(findings, lineEditsBetween(file.text, doc.getText())), text: doc.getText() };
    }
    this.states.set(file.uri, state);
    this.publishState(file.uri, state);
    return state.findings.length;
  }

  private remap(uri: string, state: FileState, edits: LineEdit[], text: string): void {
    state.text = text;
    if (edits.length === 0 || state.findings.length === 0) return;
    const mapped = mapAll(state.findings, edits);
    const moved = mapped.length !== state.findings.length || mapped.some((m, i) => m.lines.start !== state.findings[i]!.lines.start);
    state.findings = mapped;
    if (moved) this.publishState(uri, state);
  }

  private publishState(uri: string, state: FileState): void {
    const related = this.ctx.negotiated.relatedInformation;
    this.publish(uri, state.findings.map((p) => toDiagnostic(p.finding, p.lines, state.text, uri, related)));
  }

  private publish(uri: string, diagnostics: Diagnostic[]): void {
    void this.ctx.connection.sendDiagnostics({ uri, diagnostics }).catch(() => undefined);
  }

  /** The published findings of a document (in its current coordinates), for code actions. */
  findingsOf(uri: string): readonly Published[] {
    const state = this.states.get(uri);
    const doc = this.ctx.documents.get(uri);
    return state && (!doc || doc.getText() === state.text) ? state.findings : [];
  }

  private bump(uri: string): number {
    const next = (this.generations.get(uri) ?? 0) + 1;
    this.generations.set(uri, next);
    return next;
  }

  /**
   * Newer work on these files: runs in flight no longer count for them; runs left with no file are cancelled.
   * The caller tells the status (a new run started, or the file closed).
   */
  private supersede(uris: readonly string[]): void {
    for (const uri of uris) this.bump(uri);
    for (const run of this.runs) {
      const live = [...run.generations].some(([uri, gen]) => this.generations.get(uri) === gen);
      if (!live) {
        run.controller.abort('superseded');
        this.runs.delete(run);
      }
    }
  }

  private cancelRunsOf(uri: string): void {
    for (const run of this.runs) {
      if (run.generations.has(uri)) run.controller.abort('cancelled');
    }
  }

  /** A background review that failed: the user keeps working; the log says why, and a refused model is said once. */
  private backgroundFailure(e: unknown): void {
    if (!(e instanceof SparkError)) {
      this.ctx.log.error(`review: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return;
    }
    if (e.code === SparkErrorCode.Cancelled) return;
    this.ctx.log.warn(`review failed: ${e.code}: ${e.message}`);
    if (e.code === SparkErrorCode.ModelRefused && !this.refusalShown) {
      this.refusalShown = true;
      this.ctx.showMessage(MessageType.Warning, `Spark: ${e.message}`);
    }
  }
}

function refusal(model: string): string {
  return `the endpoint refused the review model ${JSON.stringify(model)}; reviews are off until spark.review.model (or the endpoint) changes`;
}

function mapAll(findings: readonly Published[], edits: readonly LineEdit[]): Published[] {
  const out: Published[] = [];
  for (const p of findings) {
    const lines = mapLines(p.lines, edits);
    if (lines) out.push({ finding: p.finding, lines });
  }
  return out;
}

/** The endpoint refused the model itself (not the key, not the request). */
function isRefusal(e: unknown): boolean {
  return e instanceof SparkError && e.code === SparkErrorCode.ModelRefused;
}
