import type { Rule } from 'eslint';
export declare function checksFile(file: string): boolean;
export declare const catalogSqlRule: Rule.RuleModule;
declare const plugin: { rules: { 'catalog-sql': Rule.RuleModule } };
export default plugin;
