/** The JSON path syntax shared by aggregation and transformation, and the edits made at a path's places. */
package dev.portico.core.internal.json;
