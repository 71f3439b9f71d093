/** The longest note or reason a person may write for the history, counted as it is stored (after link values are scrubbed). */
export const NOTE_MAX_LENGTH = 2000;

/**
 * The longest note the audit trail accepts: a person's note with the few words the app puts
 * around it ("Resent by email: …"). Forms keep people within NOTE_MAX_LENGTH; a note longer than
 * this is a programming error, refused before anything is written.
 */
export const STORED_NOTE_MAX_LENGTH = NOTE_MAX_LENGTH + 200;
