import { CreditstreamError } from '@creditstream/errors';

/** Stable codes of the local stack's errors. */
export type StackErrorCode =
  /** An environment variable that configures the stack has a bad value. */
  | 'STACK_OPTIONS_INVALID'
  /** A tool the stack needs (java, mvn, python3, prometheus) is missing and cannot be installed here. */
  | 'STACK_PREREQUISITE_MISSING'
  /** Downloading or unpacking a part failed. */
  | 'STACK_INSTALL_FAILED'
  /** A part's process exited, or did not become healthy before its deadline. */
  | 'STACK_START_FAILED'
  /** A port the stack needs is held by a process this checkout did not start. */
  | 'STACK_PORT_BUSY'
  /** Another `up`/`down` or install held the lock for too long. */
  | 'STACK_LOCK_TIMEOUT'
  /** A process would not stop even after SIGKILL. */
  | 'STACK_STOP_FAILED';

/** An error of the local stack: names the part, the reason and, where there is one, the log file to read. */
export class StackError extends CreditstreamError {
  /** The part it concerns (`kafka`, `registry`, `mongodb`, `prometheus`), when it concerns one. */
  readonly part: string | undefined;
  /** The log file that tells more, when there is one. */
  readonly logFile: string | undefined;

  constructor(
    code: StackErrorCode,
    message: string,
    options: { part?: string; logFile?: string; retriable?: boolean; cause?: unknown } = {},
  ) {
    const where = options.logFile === undefined ? '' : ` (log: ${options.logFile})`;
    super(code, `${options.part === undefined ? '' : `${options.part}: `}${message}${where}`, options);
    this.part = options.part;
    this.logFile = options.logFile;
  }
}
