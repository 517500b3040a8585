// Cross-file context per open document, precomputed off the request path: what it imports from the workspace,
// the declarations of those names and the relevant open files (the stable part, counted with o200k, hashed),
// and its outline. A completion only adds the cheap volatile part (recent edits elsewhere, enclosing symbols).
// Sources: open documents' buffers (the unsaved text wins), else files of the workspace index read through
// server/workspace. A file the index does not hold (ignored, excluded, binary, too large) is never shown.
//
// Invariants: refresh(uri) runs one computation at a time per document and always ends with a state for the
// version current when the last computation started; a document's dependents (documents whose stable part read
// it) are refreshed after its own refresh when it changed; a disk read never happens on a request.
import { Session } from 'node:inspector';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import {
  analyzeSourceInTurns,
  buildCrossFileContext,
  cachingTokenCounter,
  type CachingTokenCounter,
  ReusedTrees,
  stepsInTurns,
  collectImportedDeclarations,
  enclosingSymbols,
  estimateTokenCount,
  extractDeclarationSteps,
  loadTokenCounter,
  primeAnalysis,
  rankOpenFiles,
  type DeclarationBlock,
  type FileDeclarations,
  type OpenFile,
  type Parsers,
  type RecentEdit,
  type SourceAnalysis,
  type SourceFile,
  type SymbolSpan,
  type TokenCounter,
  type WorkspaceView,
} from '../context/cross-file/index.js';
import { utf8Length } from '../context/prompt.js';
import { diskFolders, folderHolding, fsPathOf, relativePosix, workspacePolicy, type DiskFolder } from '../workspace/policy.js';
import type { IndexChange, IndexSnapshot } from '../workspace/workspace-index.js';
import type { ServerContext } from './context.js';
import { FileTexts } from './file-texts.js';
import { syntaxParsers } from './syntax.js';
import { mayUse } from './workspace.js';

/** Without file events, a text read from disk is read again when older than this (ms), as the index ages. */
const DISK_MAX_AGE_MS = 30_000;
/** Characters of unopened files' texts held in memory (and, separately, of texts whose declarations are held). */
const MAX_HELD_CHARS = 32 * 1024 * 1024;
/** Rounds of reading what a computation found missing, then computing again (re-exports, config files). */
const MAX_READ_ROUNDS = 3;
/** Tokens of the enclosing symbols sent with a completion (estimated). */
export const ENCLOSING_TOKENS = 128;
/** One recent edit may take half the recent edits' budget, and never less than this. */
const MIN_EDIT_TOKENS = 64;
/** Recent edits shown: at most this many regions, each at most this many lines, with this much context. */
const RECENT_REGIONS = 4;
const RECENT_REGION_LINES = 24;
const RECENT_CONTEXT_LINES = 1;
/**
 * Larger texts are not parsed (tree-sitter parses on the event loop, about 0.3 ms per KiB): a larger document
 * gets no imports' declarations, a larger imported file shows none.
 */
const MAX_PARSED_CHARS = 512 * 1024;
/** From this size a document's last syntax tree is kept, so that its next parse reuses what did not change. */
const KEEP_TREE_CHARS = 32 * 1024;
/** Resolves on the next turn of the event loop, after the I/O that has arrived meanwhile. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Extraction of other files' declarations runs this long (ms) before it lets the event loop turn. */
const EXTRACT_SLICE_MS = 8;
/** Layouts one computation may make (each after extracting what the last one lacked, or after reading files). */
const MAX_LAYOUTS = 64;

/** What a document's warm-up carries besides the document, and what completions add. */
export interface StableContext {
  /** '' when there is nothing (no imports, engine off, budget 0). */
  text: string;
  /** SHA-256 prefix of `text`. */
  hash: string;
  /** o200k tokens of `text`. */
  tokens: number;
  declarations: number;
  openFiles: string[];
}

interface DocState {
  version: number;
  stable: StableContext;
  /** Paths (the view's form) of the files the stable part was read from: imports, re-export targets, open files shown. */
  inputs: Set<string>;
  /** Paths of the files it imports. */
  imports: Set<string>;
  outline: SymbolSpan[];
  /** Its path as shown to the model (relative to its workspace folder). */
  shown: string;
  /** Whether it may be shown in other documents' context (see isSource), as of this computation. */
  source: boolean;
}

interface Engine {
  parsers: Parsers;
  count: CachingTokenCounter;
}

const NO_DECLARATIONS: FileDeclarations = { declarations: [], reExports: [], explicitExports: true };

const EMPTY: StableContext = { text: '', hash: '', tokens: 0, declarations: 0, openFiles: [] };

export class CrossFile {
  private engine: Promise<Engine | undefined> | undefined;
  private loaded: Engine | undefined;
  private readonly states = new Map<string, DocState>();
  /** The last syntax tree of each large document, so that its next analysis parses only what changed. */
  private readonly trees = new ReusedTrees();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly texts: FileTexts;
  /** Extracted declarations by path, least recently used first, with the text they came from. */
  private readonly declarations = new Map<string, { text: string; decls: FileDeclarations }>();
  private declarationChars = 0;
  private viewFiles: { generation: number; folders: string; files: Set<string>; byDir: Map<string, string[]> } | undefined;
  private disposed = false;
  /** The client sends file events (set once its watchers are registered): held texts then never age. */
  watched = false;

  constructor(
    private readonly ctx: ServerContext,
    /** Called when a document's stable part may have changed outside its own edits (a file it reads changed). */
    private readonly onStale: (uri: string) => void,
  ) {
    this.texts = new FileTexts({ maxChars: MAX_HELD_CHARS, onRefused: (uri, reason) => ctx.log.debug(`cross-file context: ${uri} left out: ${reason}`) });
  }

  /** The precomputed stable part for `uri` (empty until computed). Never waits. */
  stable(uri: string): StableContext {
    return this.states.get(uri)?.stable ?? EMPTY;
  }

  /** The volatile part for a cursor at `offset` of `uri`: recent edits in other files and enclosing symbols. Cheap. */
  volatile(uri: string, offset: number, budgetTokens: number): string {
    if (!this.enabled()) return '';
    const state = this.states.get(uri);
    const enclosing = state ? enclosingSymbols(state.outline, offset) : [];
    const recentEdits = budgetTokens > 0 ? this.recentEdits(uri) : [];
    if (enclosing.length === 0 && recentEdits.length === 0) return '';
    return buildCrossFileContext({
      path: state?.shown ?? this.shownPath(uri),
      declarations: [],
      openFiles: [],
      enclosing,
      recentEdits,
      budgetTokens: budgetTokens + ENCLOSING_TOKENS,
      countTokens: estimateTokenCount,
      limits: { enclosingTokens: ENCLOSING_TOKENS, recentEditsTokens: budgetTokens, recentEditTokens: Math.max(MIN_EDIT_TOKENS, Math.floor(budgetTokens / 2)) },
    }).volatile;
  }

  /**
   * The cross-file context of an edit of `uri` (any scope): the stable part, recomputed for the current text
   * first (an explicit request may wait for it), then the volatile part for a cursor at `offset`.
   */
  async forEdit(uri: string, offset: number | undefined): Promise<string> {
    await this.refresh(uri);
    const stable = this.stable(uri).text;
    const volatile = this.volatile(uri, offset ?? -1, this.ctx.config.context.recentEditsTokens);
    return volatile === '' ? stable : stable === '' ? volatile : `${stable}\n${volatile}`;
  }

  /** Recomputes the stable part of `uri` for its current text; resolves when done (never rejects). */
  refresh(uri: string): Promise<void> {
    const running = this.running.get(uri);
    if (running) {
      this.again.add(uri);
      return running;
    }
    const run = (async () => {
      do {
        this.again.delete(uri);
        try {
          await this.compute(uri);
        } catch (e) {
          this.ctx.log.error(`cross-file context of ${uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        }
      } while (this.again.has(uri) && !this.disposed);
    })().finally(() => this.running.delete(uri));
    this.running.set(uri, run);
    return run;
  }

  /** `uri` changed and its state is current again: documents that read it may have a new stable part. */
  refreshDependents(uri: string): void {
    const p = pathOf(uri);
    if (p === undefined) return;
    for (const [other, s] of this.states) if (other !== uri && s.inputs.has(p)) this.onStale(other);
  }

  /** Events from the workspace index: files read from disk are dropped; documents that read them recomputed. */
  indexChanged(change: IndexChange): void {
    const touched = new Set<string>();
    for (const uri of [...change.changed, ...change.deleted, ...change.created]) {
      const p = pathOf(uri);
      if (p === undefined) continue;
      this.texts.invalidate(diskKey(p));
      touched.add(p);
    }
    const layoutChanged = change.created.length + change.deleted.length > 0;
    for (const [uri, s] of this.states) {
      if (layoutChanged || [...s.inputs].some((p) => touched.has(p))) this.onStale(uri);
    }
  }

  /** Settings or folders changed: every document is computed again. */
  refreshAll(): void {
    this.viewFiles = undefined;
    for (const doc of this.ctx.documents.all()) this.onStale(doc.uri);
  }

  forget(uri: string): void {
    this.states.delete(uri);
    this.trees.forget(uri);
    this.again.delete(uri);
    this.refreshDependents(uri);
  }

  /** Resolves once no computation is running (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  dispose(): void {
    this.disposed = true;
    this.states.clear();
    this.trees.clear();
    this.texts.clear();
    this.declarations.clear();
    this.declarationChars = 0;
  }

  /** The exact (o200k) counter once loaded; undefined before, or when it failed to load. */
  counter(): TokenCounter | undefined {
    return this.loaded?.count;
  }

  /**
   * Before a warm-up of `text` within `budgetTokens`: a turn of the event loop, then the text's tokens counted in
   * turns (cached by chunk, so that the warm-up's count finds them). Not counted when the warm-up will not count
   * it either: a text of no more UTF-8 bytes than the budget has tokens is within it (buildWarmContext).
   */
  async countAhead(text: string, budgetTokens: number): Promise<void> {
    await nextTurn();
    if (budgetTokens === 0 || utf8Length(text) <= budgetTokens) return;
    await this.loaded?.count.inTurns(text, nextTurn);
  }

  /**
   * When cross-file context is on, prepares now what the first document's context needs: starts listing the
   * workspace (in the background), loads the parsers and the tokenizer and runs the analysis once over a tiny
   * sample. That is over half a second of the event loop, better spent before the first request than between
   * the first completions.
   */
  async preload(): Promise<void> {
    if (!this.enabled()) return;
    this.ctx.workspaceIndex.current();
    const engine = await this.loadEngine();
    if (engine === undefined) return;
    // The tokenizer builds its tables on first use, each grammar its state on its first parse, and the analysis
    // its code on its first run.
    primeAnalysis(engine.parsers, engine.count);
    await settleHeap();
  }

  private enabled(): boolean {
    return this.ctx.config.context.crossFileTokens > 0 && !this.disposed;
  }

  /** Loads the parsers and the tokenizer once; undefined (and logged) when they cannot be loaded. */
  private loadEngine(): Promise<Engine | undefined> {
    // The parsers are the process's one set (shared with edits and reviews).
    const parsers = () => syntaxParsers(this.ctx.log).then((p) => p ?? Promise.reject(new Error('the syntax parsers did not load')));
    this.engine ??= Promise.all([parsers(), loadTokenCounter()]).then(
      ([parsers, counter]) => (this.loaded = { parsers, count: cachingTokenCounter(counter) }),
      (e: unknown) => {
        this.ctx.log.error(`cross-file context is off: its parsers or tokenizer did not load (${e instanceof Error ? e.message : String(e)})`);
        return undefined;
      },
    );
    return this.engine;
  }

  private async compute(uri: string): Promise<void> {
    const doc = this.ctx.documents.get(uri);
    if (!doc || this.disposed) return;
    if (!this.enabled() || !mayUse(this.ctx, uri)) {
      this.states.delete(uri);
      return;
    }
    const engine = await this.loadEngine();
    const snapshot = this.ctx.workspaceIndex.current() ?? (await this.ctx.workspaceIndex.ready());
    const current = this.ctx.documents.get(uri);
    if (!engine || !current || this.disposed) return;
    const version = current.version;
    const text = current.getText();
    const policy = workspacePolicy(this.ctx.workspaceFolders, this.ctx.config);
    const folders = diskFolders(policy);
    const self = pathOf(uri);
    const shown = self === undefined ? uri : shownOf(self, folders);

    const maxAge = this.watched ? Infinity : DISK_MAX_AGE_MS;
    let result: { state: DocState; missing: string[] } | undefined;
    let reads = 0;
    const file: SourceFile = { path: self ?? shown, text };
    let analysis: SourceAnalysis | undefined;
    for (let round = 0; round < MAX_LAYOUTS; round++) {
      const view = this.view(snapshot, folders);
      // The document is parsed again only after reads (a configuration file read may change how imports resolve).
      if (text.length <= MAX_PARSED_CHARS && analysis === undefined) {
        // In steps, each in its own turn of the event loop, so that a request arriving meanwhile waits for one step.
        const trees = text.length >= KEEP_TREE_CHARS ? this.trees.keeper(engine.parsers, uri) : undefined;
        analysis = await analyzeSourceInTurns(engine.parsers, file, view, nextTurn, trees);
        if (this.ctx.documents.get(uri)?.version !== version || this.disposed) return;
        // Its declarations, for the documents that import it (computed next, when it changed).
        if (analysis !== undefined && self !== undefined) this.holdDeclarations(self, text, analysis.declarations);
      }
      await nextTurn();
      const unextracted: Required<SourceFile>[] = [];
      result = this.layout(engine, view, uri, shown, file, analysis, version, folders, unextracted);
      if (this.ctx.documents.get(uri)?.version !== version || this.disposed) return;
      if (unextracted.length > 0) {
        // Files whose declarations are not held yet: extracted off the layout, in steps, then laid out again.
        await this.extract(engine, unextracted);
        if (this.ctx.documents.get(uri)?.version !== version || this.disposed) return;
        continue;
      }
      // Texts not held yet, and (without file events) held ones past their age: read, then compute again.
      const aged = [...result.state.inputs].map(diskKey).filter((k) => this.texts.has(k));
      const wanted = [...new Set([...result.missing, ...aged])].filter((u) => this.texts.wants(u, maxAge));
      if (wanted.length === 0 || reads++ === MAX_READ_ROUNDS) break;
      const changed = await Promise.all(wanted.map((u) => this.texts.load(policy, u)));
      if (!changed.some(Boolean)) break;
      analysis = undefined;
    }
    if (result === undefined || this.ctx.documents.get(uri)?.version !== version || this.disposed) return;
    this.states.set(uri, result.state);
  }

  /** One computation over what is known now; `missing` lists URIs whose text would have been used. */
  private layout(
    engine: Engine,
    view: ViewWithMisses,
    uri: string,
    shown: string,
    file: SourceFile,
    analysis: SourceAnalysis | undefined,
    version: number,
    folders: DiskFolder[],
    unextracted: Required<SourceFile>[],
  ): { state: DocState; missing: string[] } {
    const declarationsOf = (f: Required<SourceFile>): FileDeclarations | undefined => {
      const held = this.heldDeclarations(f);
      if (held === undefined) unextracted.push(f);
      return held;
    };
    const collected = analysis
      ? collectImportedDeclarations(engine.parsers, file, view, { imports: analysis.imports, declarationsOf })
      : { imports: [], blocks: [] as DeclarationBlock[], unread: [] as string[] };
    const imports = new Set(collected.imports.flatMap((m) => m.files));
    const inputs = new Set<string>([...imports, ...collected.blocks.map((b) => b.path), ...collected.unread]);
    // An open file whose declarations are shown is not repeated whole (nor re-warmed for each edit of its bodies).
    const declared = new Set(collected.blocks.map((b) => b.path));
    const openFiles = this.relevantOpenFiles(uri, shown, imports, folders).filter((f) => !declared.has(f.source));
    for (const f of openFiles) inputs.add(f.source);
    const context = buildCrossFileContext({
      path: shown,
      declarations: collected.blocks.map((b) => ({ ...b, path: shownOf(b.path, folders) })),
      enclosing: [],
      recentEdits: [],
      openFiles: openFiles.map(({ path: p, text: t }) => ({ path: p, text: t })),
      budgetTokens: this.ctx.config.context.crossFileTokens,
      countTokens: engine.count,
      limits: { enclosingTokens: 0, recentEditsTokens: 0 },
    });
    const missing = [...new Set([...collected.unread, ...view.misses()])].map(diskKey);
    return {
      state: {
        version,
        stable: { text: context.stable, hash: context.stable === '' ? '' : context.stableHash, tokens: context.tokens.stable, declarations: context.included.declarations, openFiles: context.included.openFiles },
        inputs,
        imports,
        outline: analysis?.outline ?? [],
        shown,
        source: this.isSource(uri),
      },
      missing,
    };
  }

  /** Other open documents worth showing: those it imports, those importing it, those in its directory. */
  private relevantOpenFiles(uri: string, shown: string, imports: Set<string>, folders: DiskFolder[]): (OpenFile & { source: string })[] {
    const self = pathOf(uri);
    const sources = new Map<string, string>();
    const candidates: OpenFile[] = [];
    for (const doc of this.ctx.documents.all()) {
      const p = pathOf(doc.uri);
      if (doc.uri === uri || p === undefined || !this.isSource(doc.uri)) continue;
      const s = shownOf(p, folders);
      sources.set(s, p);
      candidates.push({ path: s, text: doc.getText() });
    }
    const importers = self === undefined ? [] : [...this.states].filter(([other, s]) => other !== uri && s.imports.has(self)).map(([, s]) => s.shown);
    const importPaths = [...imports].map((p) => shownOf(p, folders));
    const dir = path.posix.dirname(shown);
    return rankOpenFiles(shown, candidates, { imports: importPaths, importers })
      .filter((f) => importPaths.includes(f.path) || importers.includes(f.path) || path.posix.dirname(f.path) === dir)
      .map((f) => ({ ...f, source: sources.get(f.path)! }));
  }

  private recentEdits(except: string): RecentEdit[] {
    const out: RecentEdit[] = [];
    for (const region of this.ctx.editedRegions.list(except, RECENT_REGIONS)) {
      const doc = this.ctx.documents.get(region.uri);
      // Judged when the document's context was last computed: no path work on the request path.
      if (!doc || this.states.get(region.uri)?.source !== true) continue;
      const first = Math.max(0, region.start - RECENT_CONTEXT_LINES);
      const last = Math.min(doc.lineCount, region.end + RECENT_CONTEXT_LINES, first + RECENT_REGION_LINES);
      const text = doc.getText({ start: { line: first, character: 0 }, end: { line: last, character: 0 } });
      if (text.trim() === '') continue;
      out.push({ path: this.states.get(region.uri)!.shown, text, line: first });
    }
    return out;
  }

  /** An open document may be shown in another's context when the model may see it and the index lists it. */
  private isSource(uri: string): boolean {
    return mayUse(this.ctx, uri) && this.ctx.workspaceIndex.contains(uri);
  }

  /** A file's declarations when held for its current text. */
  private heldDeclarations(file: Required<SourceFile>): FileDeclarations | undefined {
    const held = this.declarations.get(file.path);
    if (held === undefined || held.text !== file.text) return undefined;
    this.declarations.delete(file.path);
    this.declarations.set(file.path, held);
    return held.decls;
  }

  /**
   * Extracts and holds the declarations of `files`: each parse a step and each walk in parts, with a turn of
   * the event loop whenever EXTRACT_SLICE_MS have passed since the last one (so that small files go several to a
   * turn and a large one takes several turns).
   */
  private async extract(engine: Engine, files: Required<SourceFile>[]): Promise<void> {
    let until = performance.now() + EXTRACT_SLICE_MS;
    const turn = async (): Promise<void> => {
      if (performance.now() < until) return;
      await nextTurn();
      until = performance.now() + EXTRACT_SLICE_MS;
    };
    for (const f of files) {
      if (this.heldDeclarations(f) !== undefined || this.disposed) continue;
      const decls = f.text.length > MAX_PARSED_CHARS ? NO_DECLARATIONS : await stepsInTurns(extractDeclarationSteps(engine.parsers, f), turn);
      this.holdDeclarations(f.path, f.text, decls);
    }
  }

  private holdDeclarations(path: string, text: string, decls: FileDeclarations): void {
    const held = this.declarations.get(path);
    if (held !== undefined) this.declarationChars -= held.text.length;
    this.declarations.delete(path);
    this.declarations.set(path, { text, decls });
    this.declarationChars += text.length;
    // Least recently used first; each entry keeps the text it was extracted from (to tell a new version).
    for (const [p, e] of this.declarations) {
      if (this.declarationChars <= MAX_HELD_CHARS || this.declarations.size <= 1) break;
      this.declarations.delete(p);
      this.declarationChars -= e.text.length;
    }
  }

  /** The engine's view of the workspace: the index's files and open documents that are sources; buffers win. */
  private view(snapshot: IndexSnapshot, folders: DiskFolder[]): ViewWithMisses {
    const folderKey = folders.map((f) => f.fsPath).join('\n');
    if (this.viewFiles?.generation !== snapshot.generation || this.viewFiles.folders !== folderKey) {
      const files = new Set<string>();
      const byDir = new Map<string, string[]>();
      for (const f of snapshot.folders) {
        const root = folders.find((d) => d.uri === f.folder)?.fsPath ?? fsPathOf(f.folder);
        if (root === undefined) continue;
        const base = toPosix(root);
        for (const rel of f.files) {
          const p = `${base}/${rel}`;
          files.add(p);
          const dir = path.posix.dirname(p);
          let list = byDir.get(dir);
          if (list === undefined) byDir.set(dir, (list = []));
          list.push(p);
        }
      }
      this.viewFiles = { generation: snapshot.generation, folders: folderKey, files, byDir };
    }
    const { files, byDir } = this.viewFiles;
    const open = new Map<string, string>();
    for (const doc of this.ctx.documents.all()) {
      const p = pathOf(doc.uri);
      if (p !== undefined && this.isSource(doc.uri)) open.set(p, doc.getText());
    }
    const misses = new Set<string>();
    return {
      roots: folders.map((f) => toPosix(f.fsPath)),
      has: (p) => files.has(p) || open.has(p),
      list: (dir) => byDir.get(dir.endsWith('/') && dir.length > 1 ? dir.slice(0, -1) : dir) ?? [],
      text: (p) => {
        const buffer = open.get(p);
        if (buffer !== undefined) return buffer;
        if (!files.has(p)) return undefined;
        const held = this.texts.get(diskKey(p));
        if (held === undefined) misses.add(p);
        return held;
      },
      misses: () => [...misses],
    };
  }

  private shownPath(uri: string): string {
    const p = pathOf(uri);
    return p === undefined ? uri : shownOf(p, diskFolders(workspacePolicy(this.ctx.workspaceFolders, this.ctx.config)));
  }
}

interface ViewWithMisses extends WorkspaceView {
  /** Files of the workspace whose text was asked for and is not held yet. */
  misses(): string[];
}

/** The '/'-separated absolute path of a file: URI, the form the engine's view uses. */
function pathOf(uri: string): string | undefined {
  const p = fsPathOf(uri);
  return p === undefined ? undefined : toPosix(p);
}

/** A file's path as the model sees it: relative to its workspace folder. */
function shownOf(p: string, folders: readonly DiskFolder[]): string {
  const fsPath = path.sep === '/' ? p : p.split('/').join(path.sep);
  const folder = folderHolding(folders, fsPath);
  return folder ? relativePosix(folder.fsPath, fsPath) : p;
}

/** The key a file's text is held under: one file: URI per path, whatever spelling a client used. */
function diskKey(p: string): string {
  return pathToFileURL(p).href;
}

function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

let heapSettled: Promise<void> | undefined;

/**
 * Once per process, after the engine's first load: a full garbage collection, so that the collector's first
 * passes over the tokenizer's and parsers' new tables (tens of MB, first in the young generation, where
 * each pass over them took 20-35 ms) happen now rather than between the first completions.
 */
function settleHeap(): Promise<void> {
  heapSettled ??= new Promise<void>((resolve) => {
    try {
      const session = new Session();
      session.connect();
      session.post('HeapProfiler.collectGarbage', () => {
        resolve();
        setImmediate(() => session.disconnect());
      });
    } catch {
      resolve(); // a Node built without the inspector: the collector runs when it will
    }
  });
  return heapSettled;
}
