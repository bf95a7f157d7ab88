import { z } from 'zod';

const point = z.tuple([z.number(), z.number()]);

const inputSpec = z.object({
  /** Name of the graph's input tensor (NCHW float32). */
  name: z.string(),
  channelOrder: z.enum(['RGB', 'BGR']),
  /** Per channel, in channelOrder: value = (pixel - mean) / std. */
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number(), z.number(), z.number()]),
  /** Fixed input size (recognizers); detectors take any size that is a multiple of sizeMultiple. */
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  sizeMultiple: z.number().int().positive().optional(),
});

const common = {
  id: z.string().regex(/^[a-z0-9_.-]+$/),
  file: z.string().regex(/^[^/\\]+\.onnx$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  licence: z.string().min(1),
  source: z.string().min(1),
  /** Where a user with a network can fetch the file (tried in order). */
  urls: z.array(z.string().url()).default([]),
  input: inputSpec,
};

export const detectorModelSchema = z.object({
  ...common,
  role: z.literal('detector'),
  architecture: z.enum(['retinaface', 'yunet']),
  detector: z.object({
    outputs: z.record(z.string(), z.string()),
    steps: z.array(z.number().int().positive()),
    minSizes: z.array(z.array(z.number().positive())).optional(),
    variances: z.tuple([z.number(), z.number()]).optional(),
  }),
  thresholds: z.object({ score: z.number().min(0).max(1), nms: z.number().min(0).max(1) }),
});

/** How faces become people with this recognizer; written by `facetag calibrate` from labelled photos. */
export const groupingSchema = z.object({
  /** Nearest references of a person averaged into a face's link distance to that person. */
  neighbours: z.number().int().positive(),
  /** A face joins the person with the smallest link below this. */
  assign: z.number().positive(),
  /** Two unnamed groups whose link is below this are one person. */
  merge: z.number().positive(),
  /** A named person within this link is suggested (a question for the user) without the face joining. */
  suggest: z.number().positive(),
  /** confidence = 1 / (1 + exp((link - midpoint) / scale)): P(same person) fitted on labelled pairs. */
  confidence: z.object({ midpoint: z.number(), scale: z.number().positive() }),
  /** Faces that may seed a person or be a reference: every part at least this good. */
  trusted: z.object({
    minPose: z.number().min(0).max(1),
    minSharpness: z.number().min(0).max(1),
    minEyeDistancePx: z.number().min(0),
    minDetectorScore: z.number().min(0).max(1),
  }),
});

export const recognizerModelSchema = z.object({
  ...common,
  role: z.literal('recognizer'),
  architecture: z.literal('embedding'),
  recognizer: z.object({
    output: z.string(),
    embeddingSize: z.number().int().positive(),
    /** Where the five landmarks land in the input chip, in chip pixels. */
    template: z.tuple([point, point, point, point, point]),
    /** "euclidean" compares raw vectors; "cosine" compares L2-normalised ones. */
    distance: z.enum(['euclidean', 'cosine']),
  }),
  thresholds: z.object({
    /** Distance under which two faces are taken to be the same person (best accuracy on labelled pairs). */
    samePerson: z.number().positive(),
  }),
  grouping: groupingSchema,
});

export const modelSchema = z.discriminatedUnion('role', [detectorModelSchema, recognizerModelSchema]);

export const manifestSchema = z.object({
  manifestVersion: z.literal(1),
  defaults: z.object({ detector: z.string(), recognizer: z.string() }),
  models: z.array(modelSchema),
});

export type DetectorModel = z.infer<typeof detectorModelSchema>;
export type RecognizerModel = z.infer<typeof recognizerModelSchema>;
export type ModelSpec = z.infer<typeof modelSchema>;
export type ModelManifest = z.infer<typeof manifestSchema>;
export type GroupingSettings = z.infer<typeof groupingSchema>;
