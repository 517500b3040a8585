// What every feature handler gets: the connection, open documents, negotiated capabilities, the current
// configuration and Spark client, logging and messages. Built and kept current by server.ts.
import type { Connection, MessageType } from 'vscode-languageserver';
import type { Config } from '../config/schema.js';
import type { LatestWins } from '../scheduling/latest-wins.js';
import type { TypingAlong } from '../scheduling/typing-along.js';
import type { SparkClient } from '../spark/api.js';
import type { SparkError } from '../spark/errors.js';
import type { Negotiated } from './capabilities.js';
import type { Documents } from './documents.js';
import type { Reviewer } from './reviewer.js';
import type { WorkspaceIndex } from '../workspace/workspace-index.js';
import type { EditedRegions } from '../context/edited-regions.js';
import type { CrossFile } from './cross-file.js';
import type { Warmth } from './warmth.js';
import type { Agreement } from './agreement.js';
import type { Status } from './status.js';

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

export interface ServerContext {
  readonly connection: Connection;
  readonly documents: Documents;
  readonly log: Logger;
  readonly latest: LatestWins;
  /** The last suggestion per document, to answer the user typing along it. */
  readonly typingAlong: TypingAlong;
  /** Keeps each open document's context warm on the model side. */
  readonly warmth: Warmth;
  /** Reviews applied edits with the larger model and publishes the findings. */
  readonly reviewer: Reviewer;
  /** The files of the workspace folders (listing, test-file conventions). */
  readonly workspaceIndex: WorkspaceIndex;
  /** The regions of open documents the user changed last (recent edits in other files). */
  readonly editedRegions: EditedRegions;
  /** What each open document refers to in other files, precomputed off the request path. */
  readonly crossFile: CrossFile;
  negotiated: Negotiated;
  config: Config;
  /** URIs of the workspace folders the client named (empty: none named). */
  workspaceFolders: string[];
  /** The Spark client, or the reason there is none (e.g. no API key). */
  spark: SparkClient | SparkError;
  /** Health, transport and latency for spark.status and spark/status; one record per request. */
  readonly status: Status;
  /** Answers requests whose position or version disagrees with the server's copy empty, said once. */
  readonly agreement: Agreement;
  /** Sends window/showMessage (a notification: a request would block some headless clients). */
  showMessage(type: MessageType, message: string): void;
}
