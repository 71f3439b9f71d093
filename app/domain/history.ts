/** The longest note or reason the history keeps, counted as it is stored (after link values are scrubbed). */
export const NOTE_MAX_LENGTH = 2000;
