/** A table's header row: one column header per name, styled alike on every staff page's tables. */
export function ColumnHeaders({ columns }: { columns: readonly string[] }) {
  return (
    <thead className="bg-slate-50 text-slate-600">
      <tr>
        {columns.map((column) => (
          <th key={column} scope="col" className="px-4 py-2 font-medium">
            {column}
          </th>
        ))}
      </tr>
    </thead>
  );
}
