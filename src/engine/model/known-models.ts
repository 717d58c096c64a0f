/** The models Scenery knows by name: where they come from and what they must look like. */
import type { ModelInfo } from '../../shared/domain.js';

export interface KnownModel {
  name: 'vgg16-places365' | 'vgg16-hybrid1365';
  title: string;
  labels: ModelInfo['labels'];
  classes: number;
  parameters: number;
  url: string;
  approxBytes: number;
  source: string;
  license: string;
}

export const KNOWN_MODELS: readonly KnownModel[] = [
  {
    name: 'vgg16-places365',
    title: 'VGG16-Places365',
    labels: 'places365',
    classes: 365,
    parameters: 135_755_949,
    url: 'http://places2.csail.mit.edu/models_places365/vgg16_places365.caffemodel',
    approxBytes: 553_443_476,
    source: 'MIT CSAIL Places (Zhou et al., "Places: A 10 million Image Database for Scene Recognition", TPAMI 2017)',
    license: 'CC BY 4.0 (Places365 CNN models); credit the Places project',
  },
  {
    name: 'vgg16-hybrid1365',
    title: 'VGG16-Hybrid1365 (365 places + 1000 ImageNet objects)',
    labels: 'hybrid1365',
    classes: 1365,
    parameters: 139_852_949,
    url: 'http://places2.csail.mit.edu/models_places365/vgg16_hybrid1365.caffemodel',
    approxBytes: 569_830_000,
    source: 'MIT CSAIL Places (Zhou et al., TPAMI 2017)',
    license: 'CC BY 4.0 (Places365 CNN models); credit the Places project',
  },
];

export function knownModel(name: string): KnownModel | undefined {
  return KNOWN_MODELS.find((m) => m.name === name);
}
