import type { Box } from './geometry.js';
import type { CaptureSource } from './library.js';

/** confirmed: the user said so. auto: the grouping is sure enough to tag. suggested: waiting for a yes or no. */
export type AssignmentStatus = 'confirmed' | 'auto' | 'suggested';

export interface PersonFace {
  readonly id: number;
  readonly file: string;
  readonly box: Box;
  readonly status: AssignmentStatus;
  readonly confidence: number;
}

export interface SeenAt {
  readonly at: string;
  readonly source: CaptureSource;
  readonly file: string;
}

export interface PersonSummary {
  readonly id: number;
  readonly name: string | null;
  readonly hidden: boolean;
  readonly photoCount: number;
  readonly faceCount: number;
  readonly firstSeen: SeenAt | null;
  readonly lastSeen: SeenAt | null;
  /** The photo of the person's best face (highest quality, ties broken by the photo's own sharpness). */
  readonly bestPhoto: string | null;
  /** The face shown as the person's avatar: the cover the user chose, else the best face. */
  readonly avatarFaceId: number | null;
}

export interface BestOfYear {
  readonly year: number;
  readonly faceId: number;
  readonly file: string;
}

export interface PersonDetails extends PersonSummary {
  /** The person's faces in capture order: all of them, or the page asked for (people.get: 1,000 by default). */
  readonly faces: PersonFace[];
  readonly bestPerYear: BestOfYear[];
}

/** A face waiting for the user's yes or no, with the grouping's best guess and runner-up. */
export interface ReviewItem {
  readonly faceId: number;
  readonly file: string;
  readonly box: Box;
  readonly personId: number;
  readonly personName: string | null;
  readonly confidence: number;
  readonly runnerUp: { personId: number; personName: string | null; confidence: number } | null;
}
