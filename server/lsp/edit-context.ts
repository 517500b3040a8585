// What an edit shows the model, and what a patch may touch: the target document, its test file, the files it
// imports and a listing of its workspace folder, each kept as the snapshot the model saw (open documents from
// the editor's copy, other files through server/workspace), so the edit can be checked against them before
// it is sent. Refused files are never read into a prompt. Paths are relative to the target's workspace folder.
import { posix, sep } from 'node:path';
import { isTestFile, testFileFor, type TestFileSuggestion } from '../context/test-files.js';
import type { EditScope, PatchContextFile } from '../context/prompt.js';
import type { PatchFileState } from '../edits/apply-patch.js';
import { PatchError } from '../edits/patch.js';
import { SparkError } from '../spark/errors.js';
import { confineUri, resolvePatchPath } from '../workspace/confine.js';
import { fsPathOf, workspacePolicy, type WorkspacePolicy } from '../workspace/policy.js';
import { read, type FileSnapshot } from '../workspace/read.js';
import type { ServerContext } from './context.js';
import { importedFiles } from './edit-imports.js';

/** A file as the model saw it (or as the edit found it, for a file the patch names that it was not shown). */
export interface SeenFile {
  uri: string;
  /** Relative to the workspace folder, `/`-separated. */
  path: string;
  /** The text the model saw; undefined for a file that does not exist. */
  text: string | undefined;
  /** The open document's version, or null for a file read from disk (or absent). */
  version: number | null;
  /** The snapshot a file read from disk was taken from (checked again before the edit is sent). */
  disk?: FileSnapshot;
  /** Whether the model was shown every line of it. */
  shown: boolean;
}

export interface EditMaterial {
  policy: WorkspacePolicy;
  scope: EditScope;
  /** URI of the workspace folder on disk holding the target; undefined when there is none (no folder named, not a file). */
  folder: string | undefined;
  target: SeenFile & { text: string };
  /** Tests first, then imports; each read whole. */
  related: (SeenFile & { text: string; role: PatchContextFile['role'] })[];
  /** Files of the target's workspace folder, relative paths. */
  listing: readonly string[];
  /** Where the target's tests are, or belong, by the project's conventions (undefined for other languages). */
  testFile: TestFileSuggestion | undefined;
}

/** At most this many related files are read for one edit. */
const MAX_RELATED = 12;

/**
 * Gathers the context of an edit of `uri`, whose text the model is to see as `text` at `version`. The
 * selection scope reads nothing else (and touches no disk); the wider ones confine the target on disk first,
 * and read related files only for a target in a workspace folder on disk.
 */
export async function gatherContext(
  ctx: ServerContext,
  args: { uri: string; text: string; version: number; languageId: string; scope: EditScope },
): Promise<EditMaterial> {
  const policy = workspacePolicy(ctx.workspaceFolders, ctx.config);
  const folder = diskFolderOf(policy, args.uri);
  const target = { uri: args.uri, path: targetPath(folder, args.uri), text: args.text, version: args.version, shown: true };
  const material: EditMaterial = { policy, scope: args.scope, folder, target, related: [], listing: [], testFile: undefined };
  if (args.scope === 'selection') return material;
  if (fsPathOf(args.uri) !== undefined) await confineUri(policy, args.uri);
  if (folder === undefined) return material;

  const listing = await listingOf(ctx, folder);
  material.listing = listing;
  material.testFile = isTestFile(target.path) ? undefined : testFileFor(target.path, listing);
  const wanted: { path: string; role: PatchContextFile['role'] }[] = [];
  if (material.testFile?.exists) wanted.push({ path: material.testFile.path, role: 'test' });
  const textOf = async (path: string) => (await readQuietly(ctx, policy, args.uri, path))?.text;
  for (const path of await importedFiles(ctx, { path: target.path, text: args.text, languageId: args.languageId }, listing, textOf)) {
    if (!wanted.some((w) => w.path === path)) wanted.push({ path, role: 'import' });
  }
  for (const { path, role } of wanted.slice(0, MAX_RELATED)) {
    const seen = await readQuietly(ctx, policy, args.uri, path);
    if (seen?.text !== undefined) material.related.push({ ...seen, text: seen.text, role });
  }
  return material;
}

/**
 * The test file the conventions name for an open document (and the document's own path), from the listing the
 * workspace index holds now (no disk access; the index starts building when it has none).
 */
export function suggestedTestFile(ctx: ServerContext, uri: string): (TestFileSuggestion & { source: string }) | undefined {
  const policy = workspacePolicy(ctx.workspaceFolders, ctx.config);
  const snapshot = ctx.workspaceIndex.current();
  const folder = snapshot?.folders.find((f) => uri.startsWith(`${f.folder}/`)) ?? undefined;
  const base = folder?.folder ?? policy.folders.find((f) => uri.startsWith(`${f.replace(/\/+$/, '')}/`))?.replace(/\/+$/, '');
  if (base === undefined) return undefined;
  const path = decodePath(uri.slice(base.length + 1));
  if (path === undefined || isTestFile(path)) return undefined;
  const suggestion = testFileFor(path, folder?.files ?? []);
  return suggestion && { ...suggestion, source: path };
}

/**
 * The state of every path a patch names, for the applier: what the model saw when it saw the file, else the open
 * document, else the file on disk, else absent. Each path is confined first: a refused path fails the whole
 * edit with SPARK_ERR_PATH_REFUSED, and nothing is read from it.
 */
export async function statesFor(ctx: ServerContext, material: EditMaterial, paths: readonly string[]): Promise<Map<string, SeenFile & PatchFileState>> {
  const seen = new Map<string, SeenFile>([material.target, ...material.related].map((f) => [f.uri, f]));
  const states = new Map<string, SeenFile & PatchFileState>();
  const others: string[] = [];
  for (const path of paths) {
    // The target as the model was shown it needs no disk; the narrower scopes may name nothing else.
    if (posix.normalize(path) === material.target.path) {
      states.set(path, { ...material.target, path });
      continue;
    }
    if (material.scope !== 'workspace') {
      others.push(path);
      continue;
    }
    const confined = await resolvePatchPath(material.policy, material.target.uri, path);
    const uri = seen.has(confined.uri) ? confined.uri : openUri(ctx, confined.uri) ?? confined.uri;
    const known = seen.get(uri);
    if (known) {
      states.set(path, { ...known, path });
      continue;
    }
    const doc = ctx.documents.get(uri);
    if (doc) states.set(path, { uri, path, text: doc.getText(), version: doc.version, shown: false });
    else if (!confined.exists) states.set(path, { uri, path, text: undefined, version: null, shown: false });
    else {
      const disk = await read(material.policy, uri);
      states.set(path, { uri, path, text: disk.text, version: null, disk, shown: false });
    }
  }
  if (others.length > 0) throw new PatchError([`Only ${material.target.path} may change in this edit; the patch also names ${others.join(', ')}.`]);
  return states;
}

/** A related file read whole, or undefined when it is refused or unreadable (it is then simply not shown). */
async function readQuietly(ctx: ServerContext, policy: WorkspacePolicy, targetUri: string, path: string): Promise<SeenFile | undefined> {
  try {
    const confined = await resolvePatchPath(policy, targetUri, path);
    const uri = openUri(ctx, confined.uri) ?? confined.uri;
    const doc = ctx.documents.get(uri);
    if (doc) return { uri, path, text: doc.getText(), version: doc.version, shown: true };
    if (!confined.exists) return undefined;
    const disk = await read(policy, uri);
    return { uri, path, text: disk.text, version: null, disk, shown: true };
  } catch (e) {
    if (!(e instanceof SparkError)) throw e;
    ctx.log.debug(`edit context: ${path} left out: ${e.message}`);
    return undefined;
  }
}

/** The files of a workspace folder, from the index (waiting for its first build when there is none yet). */
async function listingOf(ctx: ServerContext, folder: string): Promise<readonly string[]> {
  const snapshot = ctx.workspaceIndex.current() ?? (await ctx.workspaceIndex.ready());
  return snapshot.folders.find((f) => f.folder === folder)?.files ?? [];
}

/** The URI under which the editor has a file open, when it names it differently (percent-encoding, drive letter case). */
function openUri(ctx: ServerContext, uri: string): string | undefined {
  if (ctx.documents.get(uri)) return uri;
  const decoded = decodePath(uri);
  return ctx.documents.all().find((d) => decodePath(d.uri) === decoded)?.uri;
}

/** The workspace folder on disk (a `file:` URI) holding `uri`, without a trailing slash. */
function diskFolderOf(policy: WorkspacePolicy, uri: string): string | undefined {
  if (fsPathOf(uri) === undefined) return undefined;
  return policy.folders.map((f) => f.replace(/\/+$/, '')).find((f) => /^file:/i.test(f) && uri.startsWith(`${f}/`));
}

/** How the target is named to the model: relative to its folder, else by its file name (or its URI when it is not a file). */
function targetPath(folder: string | undefined, uri: string): string {
  if (folder !== undefined) {
    const relative = decodePath(uri.slice(folder.length + 1));
    if (relative !== undefined) return relative;
  }
  const fsPath = fsPathOf(uri);
  return fsPath === undefined ? uri : posix.basename(fsPath.split(sep).join('/'));
}

function decodePath(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
