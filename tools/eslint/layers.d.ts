import type { Rule } from 'eslint';
export declare function layerOf(file: string): string | null;
export declare const layersRule: Rule.RuleModule;
declare const plugin: { rules: { layers: Rule.RuleModule } };
export default plugin;
